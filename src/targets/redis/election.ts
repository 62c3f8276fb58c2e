/**
 * Redis LeaderElection: the lease is a hash with a `PEXPIRE` of its TTL (the `SET NX PX` idiom:
 * a leader that dies stops holding it without anyone cleaning up) and the epoch is an `INCR`
 * counter that reset() never touches. Every step is one Lua script, so "is the lease free?" and
 * "take it with the next epoch" cannot interleave with another candidate. Liveness is decided by
 * the lease's expiresAt against the caller's clock (as in every adapter), the PEXPIRE only
 * collects leases nobody renews.
 */
import type { Redis } from 'ioredis';
import type { WallClockMs } from '../options.js';
import type { Lease, LeaderElection } from '../ports.js';
import { checkLeaseTtl } from '../validate.js';
import type { RedisKeys } from './keys.js';
import { LuaScript } from './script.js';

// KEYS: lease, epoch counter. ARGV: candidate, now, ttl, now + ttl.
const CAMPAIGN = new LuaScript(`
local l = redis.call('HMGET', KEYS[1], 'leader', 'epoch', 'acquired', 'expires')
if l[1] and tonumber(l[4]) > tonumber(ARGV[2]) then
  if l[1] ~= ARGV[1] then return nil end
  redis.call('HSET', KEYS[1], 'expires', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {l[1], l[2], l[3], ARGV[4]}
end
local epoch = tostring(redis.call('INCR', KEYS[2]))
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'leader', ARGV[1], 'epoch', epoch, 'acquired', ARGV[2], 'expires', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {ARGV[1], epoch, ARGV[2], ARGV[4]}`);

// KEYS: lease. ARGV: candidate, epoch, now, ttl, now + ttl.
const RENEW = new LuaScript(`
local l = redis.call('HMGET', KEYS[1], 'leader', 'epoch', 'acquired', 'expires')
if l[1] ~= ARGV[1] or l[2] ~= ARGV[2] or tonumber(l[4]) <= tonumber(ARGV[3]) then return nil end
redis.call('HSET', KEYS[1], 'expires', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {l[1], l[2], l[3], ARGV[5]}`);

// KEYS: lease. ARGV: candidate, epoch, now.
const RESIGN = new LuaScript(`
local l = redis.call('HMGET', KEYS[1], 'leader', 'epoch', 'expires')
if l[1] ~= ARGV[1] or l[2] ~= ARGV[2] or tonumber(l[3]) <= tonumber(ARGV[3]) then return 0 end
redis.call('DEL', KEYS[1])
return 1`);

export class RedisLeaderElection implements LeaderElection {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: WallClockMs,
  ) {}

  async campaign(candidateId: string, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    const t = this.now();
    const ttl = Math.ceil(ttlMs);
    return toLease(await CAMPAIGN.run<string[] | null>(this.redis, [this.keys.lease, this.keys.epoch], [candidateId, t, ttl, t + ttlMs]));
  }

  async renew(candidateId: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkLeaseTtl(ttlMs);
    const t = this.now();
    return toLease(await RENEW.run<string[] | null>(this.redis, [this.keys.lease], [candidateId, String(epoch), t, Math.ceil(ttlMs), t + ttlMs]));
  }

  async resign(candidateId: string, epoch: number): Promise<boolean> {
    return (await RESIGN.run<number>(this.redis, [this.keys.lease], [candidateId, String(epoch), this.now()])) === 1;
  }

  async current(): Promise<Lease | null> {
    const [leader, epoch, acquired, expires] = await this.redis.hmget(this.keys.lease, 'leader', 'epoch', 'acquired', 'expires');
    if (!leader || Number(expires) <= this.now()) return null;
    return { leaderId: leader, epoch: Number(epoch), acquiredAt: Number(acquired), expiresAt: Number(expires) };
  }
}

function toLease(reply: string[] | null): Lease | null {
  if (!reply) return null;
  return { leaderId: reply[0] as string, epoch: Number(reply[1]), acquiredAt: Number(reply[2]), expiresAt: Number(reply[3]) };
}
