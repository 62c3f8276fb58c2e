/**
 * Flags and set-up shared by the commands that load an HTTP target (`load`, `stress`): request
 * flags, open-loop flags, and the safe-mode check that runs before anything is sent.
 */
import type { Command } from 'commander';
import { DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_LAG_US } from '../../load/open-loop.js';
import { requireLoopback, type HostResolver } from '../../targets/http/safety.js';
import { parseRequestSpec, type HttpRequestSpec } from '../../targets/http/request-spec.js';
import { collect, parseDurationUs, parseIntFlag, parsePositiveDurationUs } from '../../core/parse.js';

export function addHttpFlags(cmd: Command): Command {
  return cmd
    .option('--method <method>', 'HTTP method', 'GET')
    .option('--header <header>', 'request header "Name: value" (repeatable)', collect, [])
    .option('--body <text>', 'request body; @FILE reads it from a file')
    .option('--timeout <d>', 'per-request timeout (headers, then body)', '30s')
    .option('--allow-remote', 'allow a target that is not loopback (127.0.0.0/8, ::1); off by default so a typo cannot load someone else');
}

export function addOpenLoopFlags(cmd: Command): Command {
  return cmd
    .option('--max-in-flight <n>', 'most operations in flight at once (open loop); arrivals beyond wait for a slot', String(DEFAULT_MAX_IN_FLIGHT))
    .option('--max-lag <d>', 'an arrival that cannot start within this of its intended time is dropped (counted, never hidden)', `${DEFAULT_MAX_LAG_US / 1000}ms`);
}

export interface OpenLoopLimits {
  maxInFlight: number;
  maxLagUs: number;
}

export function resolveOpenLoopLimits(raw: Record<string, unknown>): OpenLoopLimits {
  return {
    maxInFlight: parseIntFlag('--max-in-flight', String(raw.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT), 1, 100_000),
    maxLagUs: parseDurationUs('--max-lag', String(raw.maxLag ?? `${DEFAULT_MAX_LAG_US}us`)),
  };
}

/**
 * Parses the request flags and applies safe mode: unless --allow-remote, the host must be (or
 * resolve only to) loopback addresses. Throws UsageError (exit 2) before any connection is made.
 */
export async function resolveHttpTarget(url: string, raw: Record<string, unknown>, resolver?: HostResolver): Promise<HttpRequestSpec> {
  const spec = parseRequestSpec({
    url,
    method: typeof raw.method === 'string' ? raw.method : 'GET',
    header: Array.isArray(raw.header) ? (raw.header as string[]) : [],
    ...(typeof raw.body === 'string' ? { body: raw.body } : {}),
    timeoutUs: parsePositiveDurationUs('--timeout', String(raw.timeout ?? '30s')),
  });
  // Connections then go to the checked addresses only (a rebinding name cannot switch them).
  if (raw.allowRemote !== true) spec.addresses = await requireLoopback('url', spec.url, resolver);
  return spec;
}
