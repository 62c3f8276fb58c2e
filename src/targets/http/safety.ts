/**
 * Safe mode for HTTP load: by default swarmperf only sends load to this machine (127.0.0.0/8, ::1,
 * names that resolve only to those), so a typo in a URL cannot turn a benchmark into an attack on
 * someone else's server. `--allow-remote` lifts it. The check runs before any request is made,
 * and connections then go to the addresses that were checked (pinnedLookup): resolving the name
 * again at connect time would let a rebinding name pass the check and connect off-host.
 */
import type { LookupAddress, LookupOneOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, isIPv4, type LookupFunction } from 'node:net';
import { UsageError } from '../../core/errors.js';

export type HostResolver = (hostname: string) => Promise<string[]>;

const defaultResolver: HostResolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopbackAddress(address: string): boolean {
  const addr = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIPv4(addr)) return addr.split('.')[0] === '127';
  if (isIP(addr) !== 6) return false;
  const mapped = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (mapped) return isLoopbackAddress(mapped[1] as string);
  return expandIPv6(addr) === '0000:0000:0000:0000:0000:0000:0000:0001';
}

function expandIPv6(addr: string): string {
  const [head = '', tail] = addr.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - h.length - t.length }, () => '0');
  return [...h, ...zeros, ...t].map((g) => g.padStart(4, '0')).join(':');
}

export interface SafetyVerdict {
  allowed: boolean;
  /** Addresses the host name resolved to (the literal itself for an IP). */
  addresses: string[];
  /** Why it was refused, for the one-line error. */
  reason?: string;
}

/** Decides whether `url` may be loaded without --allow-remote. Never sends anything to the host. */
export async function checkLoopbackTarget(url: URL, resolve: HostResolver = defaultResolver): Promise<SafetyVerdict> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    return isLoopbackAddress(host)
      ? { allowed: true, addresses: [host] }
      : { allowed: false, addresses: [host], reason: `${host} is not a loopback address` };
  }
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'lookup failed';
    return { allowed: false, addresses: [], reason: `${host} could not be resolved to check it is loopback (${code})` };
  }
  if (addresses.length === 0) return { allowed: false, addresses, reason: `${host} resolved to no address` };
  const remote = addresses.filter((a) => !isLoopbackAddress(a));
  if (remote.length > 0) return { allowed: false, addresses, reason: `${host} resolves to ${remote.join(', ')}, not a loopback address` };
  return { allowed: true, addresses };
}

/**
 * A `lookup` for net.connect / tls.connect / undici that answers with the addresses safe mode
 * checked instead of asking DNS again.
 */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const answers: LookupAddress[] = addresses.map((address) => ({ address, family: isIPv4(address) ? 4 : 6 }));
  if (answers.length === 0) throw new Error('pinnedLookup: no address to pin');
  return ((_hostname: string, options: LookupOneOptions & { all?: boolean }, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    const family = options?.family === 'IPv4' ? 4 : options?.family === 'IPv6' ? 6 : options?.family;
    const usable = family === 4 || family === 6 ? answers.filter((a) => a.family === family) : answers;
    if (usable.length === 0) {
      const err: NodeJS.ErrnoException = new Error(`no checked address of family IPv${String(family)}`);
      err.code = 'ENOTFOUND';
      callback(err, '', 0);
      return;
    }
    if (options?.all) callback(null, usable);
    else callback(null, (usable[0] as LookupAddress).address, (usable[0] as LookupAddress).family);
  }) as LookupFunction;
}

/**
 * Safe mode for a command that opens connections to `url`: resolves and checks it, and returns
 * the checked addresses to connect to (pass them to pinnedLookup). Throws UsageError naming the
 * flag before anything is sent when the target is not loopback.
 */
export async function requireLoopback(flag: string, url: URL, resolve?: HostResolver): Promise<readonly string[]> {
  const verdict = await checkLoopbackTarget(url, resolve);
  if (!verdict.allowed) {
    throw new UsageError(`${flag} ${url.href}: refused: ${verdict.reason}; swarmperf only loads loopback targets (127.0.0.0/8, ::1) unless --allow-remote is given`);
  }
  return verdict.addresses;
}
