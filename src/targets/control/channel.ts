/**
 * The control plane of agents on several hosts: plain publish/subscribe on a server every host
 * reaches — NATS subjects or Redis pub/sub channels, the servers swarmperf already uses as
 * backends — not a protocol of its own. Messages are JSON; one too large for the server's limit
 * (NATS refuses payloads above max_payload, 1 MiB by default; a tasks agent's report can be larger)
 * is sent as numbered frames and put together again on the receiving side (framing.ts).
 *
 * Delivery is at most once, in order per publisher (both servers keep a connection's order): the
 * agents' protocol above this retries what must arrive (hello, claim) and watches for silence.
 */
import { UsageError } from '../../core/errors.js';

export type { ControlChannel, ControlHandler } from './types.js';
import type { ControlChannel } from './types.js';

export const CONTROL_KINDS = ['nats', 'redis'] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];

export interface ControlUrl {
  kind: ControlKind;
  url: string;
  host: string;
  port: number;
}

/** `--control nats://HOST:PORT` or `redis://HOST:PORT` (a password in the Redis URL is kept). */
export function parseControlUrl(label: string, text: string): ControlUrl {
  const expected = `${label}: expected nats://HOST:PORT or redis://HOST:PORT`;
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new UsageError(`${expected}, got "${text}"`);
  }
  const kind = u.protocol.replace(/:$/, '');
  if (!(CONTROL_KINDS as readonly string[]).includes(kind)) throw new UsageError(`${expected}, got "${text}" (scheme "${kind}")`);
  if (u.hostname === '') throw new UsageError(`${expected}, got "${text}" (no host)`);
  const port = u.port === '' ? (kind === 'nats' ? 4222 : 6379) : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new UsageError(`${label}: port must be 1-65535, got "${u.port}"`);
  if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') throw new UsageError(`${expected}, got "${text}" (nothing may follow the port)`);
  return { kind: kind as ControlKind, url: text.trim().replace(/\/$/, ''), host: u.hostname, port };
}

/** A control group name: separates the agents of concurrent runs on one server. */
export function checkControlGroup(label: string, text: string): string {
  if (!/^[a-z0-9_-]{1,40}$/.test(text)) throw new UsageError(`${label} must be 1-40 characters of a-z, 0-9, _ and -, got "${text}"`);
  return text;
}

/** Opens the control channel the URL names (the client library loads only when used). */
export async function openControlChannel(url: ControlUrl, connectTimeoutMs = 5_000): Promise<ControlChannel> {
  if (url.kind === 'nats') return (await import('./nats.js')).openNatsChannel(url.url, connectTimeoutMs);
  return (await import('./redis.js')).openRedisChannel(url.url, connectTimeoutMs);
}
