/**
 * Redis TaskStore. Each task is a hash; pending tasks are also in a sorted set scored by
 * -priority with the zero-padded seq as member, so ZRANGEBYSCORE walks them in claim order
 * (highest priority first, ties oldest first, by member order). claim() is ONE Lua script: it walks
 * that order, skips tasks with an unfinished dependency and assigns the first claimable one —
 * atomic on the server, so two workers can never get the same task, in one round trip.
 */
import type { Redis } from 'ioredis';
import { InvalidArgumentError, TaskNotFoundError } from '../errors.js';
import type { WallClockMs } from '../options.js';
import { VersionConflictError, type ClaimFilter, type NewTask, type Task, type TaskPatch, type TaskStatus, type TaskStore } from '../ports.js';
import { checkNewTask, checkPriority } from '../validate.js';
import type { RedisKeys } from './keys.js';
import { LuaScript, pairs } from './script.js';
import { taskSeq } from '../remote/task-record.js';

/** Sorted-set member: equal scores sort by member bytes, so padding makes that creation order. */
function member(seq: number): string {
  return String(seq).padStart(16, '0');
}

// KEYS: seq counter, pending, all. ARGV: task prefix, title, priority, score, deps JSON, dep seqs (space separated), now.
const CREATE = new LuaScript(`
for dep in string.gmatch(ARGV[6], '%d+') do
  if redis.call('EXISTS', ARGV[1] .. dep) == 0 then return redis.error_reply('UNKNOWN_DEP task-' .. dep) end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', ARGV[1] .. seq, 'seq', seq, 'title', ARGV[2], 'priority', ARGV[3], 'deps', ARGV[5], 'depseqs', ARGV[6],
  'status', 'pending', 'claimedBy', '', 'result', 'null', 'version', 1, 'createdAt', ARGV[7], 'updatedAt', ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[4], string.format('%016d', seq))
redis.call('ZADD', KEYS[3], seq, seq)
return redis.call('HGETALL', ARGV[1] .. seq)`);

// KEYS: pending. ARGV: task prefix, worker, now, max score (= -minPriority, or +inf).
const CLAIM = new LuaScript(`
local offset = 0
while true do
  local batch = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[4], 'LIMIT', offset, 64)
  if #batch == 0 then return nil end
  for _, m in ipairs(batch) do
    local key = ARGV[1] .. tonumber(m)
    local ready = true
    for dep in string.gmatch(redis.call('HGET', key, 'depseqs') or '', '%d+') do
      if redis.call('HGET', ARGV[1] .. dep, 'status') ~= 'completed' then ready = false break end
    end
    if ready then
      redis.call('ZREM', KEYS[1], m)
      redis.call('HSET', key, 'status', 'claimed', 'claimedBy', ARGV[2], 'updatedAt', ARGV[3])
      redis.call('HINCRBY', key, 'version', 1)
      return redis.call('HGETALL', key)
    end
  end
  offset = offset + #batch
end`);

// KEYS: task, pending. ARGV: expected version, has title, title, has priority, priority, score, now, member.
const UPDATE = new LuaScript(`
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return {'missing'} end
if version ~= ARGV[1] then return {'conflict', version} end
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'title', ARGV[3]) end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'priority', ARGV[5])
  if redis.call('HGET', KEYS[1], 'status') == 'pending' then redis.call('ZADD', KEYS[2], ARGV[6], ARGV[8]) end
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[7])
return {'ok', redis.call('HGETALL', KEYS[1])}`);

// KEYS: task. ARGV: result JSON, now.
const COMPLETE = new LuaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'claimed' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'completed', 'result', ARGV[1], 'updatedAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1`);

export class RedisTaskStore implements TaskStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: WallClockMs,
  ) {}

  async create(task: NewTask): Promise<Task> {
    checkNewTask(task);
    const deps = [...new Set(task.dependsOn ?? [])];
    const seqs = deps.map((dep) => {
      const seq = taskSeq(dep);
      if (seq === null) throw new InvalidArgumentError(`dependsOn: unknown task ${dep}`);
      return seq;
    });
    const args = [this.keys.taskPrefix, task.title, String(task.priority), String(-task.priority), JSON.stringify(deps), seqs.join(' '), this.now()];
    try {
      return toTask(pairs(await CREATE.run<string[]>(this.redis, [this.keys.taskSeq, this.keys.pending, this.keys.allTasks], args)));
    } catch (err) {
      // A dependency on a task that does not exist could never complete: the task would be stuck.
      const m = err instanceof Error ? /UNKNOWN_DEP (task-\d+)/.exec(err.message) : null;
      if (m) throw new InvalidArgumentError(`dependsOn: unknown task ${m[1]}`);
      throw err;
    }
  }

  async update(id: string, patch: TaskPatch, expectedVersion: number): Promise<Task> {
    const seq = taskSeq(id);
    if (seq === null) throw new TaskNotFoundError(id);
    if (patch.priority !== undefined) checkPriority(patch.priority);
    const hasPriority = patch.priority !== undefined;
    const args = [
      String(expectedVersion),
      patch.title !== undefined ? '1' : '0',
      patch.title ?? '',
      hasPriority ? '1' : '0',
      String(patch.priority ?? 0),
      String(-(patch.priority ?? 0)),
      this.now(),
      member(seq),
    ];
    const reply = await UPDATE.run<[string, string | string[]]>(this.redis, [this.keys.task(seq), this.keys.pending], args);
    if (reply[0] === 'missing') throw new TaskNotFoundError(id);
    if (reply[0] === 'conflict') throw new VersionConflictError(id, expectedVersion, Number(reply[1]));
    return toTask(pairs(reply[1] as string[]));
  }

  async claim(workerId: string, filter: ClaimFilter = {}): Promise<Task | null> {
    const maxScore = filter.minPriority === undefined ? '+inf' : String(-filter.minPriority);
    const reply = await CLAIM.run<string[] | null>(this.redis, [this.keys.pending], [this.keys.taskPrefix, workerId, this.now(), maxScore]);
    return reply ? toTask(pairs(reply)) : null;
  }

  async complete(id: string, result: unknown): Promise<boolean> {
    const seq = taskSeq(id);
    if (seq === null) return false;
    return (await COMPLETE.run<number>(this.redis, [this.keys.task(seq)], [JSON.stringify(result ?? null), this.now()])) === 1;
  }

  async list(status?: TaskStatus): Promise<Task[]> {
    const seqs = await this.redis.zrange(this.keys.allTasks, '0', '-1');
    if (seqs.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const s of seqs) pipeline.hgetall(this.keys.task(Number(s)));
    const out: Task[] = [];
    for (const [err, fields] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      const f = fields as Record<string, string>;
      if (f.seq === undefined) continue; // removed by a concurrent reset
      if (status === undefined || f.status === status) out.push(toTask(f));
    }
    return out;
  }

  async get(id: string): Promise<Task | null> {
    const seq = taskSeq(id);
    if (seq === null) return null;
    const f = await this.redis.hgetall(this.keys.task(seq));
    return f.seq === undefined ? null : toTask(f);
  }
}

function toTask(f: Record<string, string>): Task {
  return {
    id: `task-${f.seq}`,
    title: f.title ?? '',
    priority: Number(f.priority),
    dependsOn: JSON.parse(f.deps ?? '[]') as string[],
    status: f.status as TaskStatus,
    claimedBy: f.claimedBy ? f.claimedBy : null,
    result: JSON.parse(f.result ?? 'null') as unknown,
    version: Number(f.version),
    createdAt: Number(f.createdAt),
    updatedAt: Number(f.updatedAt),
  };
}
