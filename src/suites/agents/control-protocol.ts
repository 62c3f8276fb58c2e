/**
 * What a run's coordinator and the agents on other hosts say to each other over the control plane
 * (targets/control: NATS subjects or Redis pub/sub). The agents' own protocol (protocol.ts: start,
 * go, stop / ready, progress, event, report, failed) travels inside it unchanged; around it:
 *
 *   idle agent  → hello subject      hello (every second while idle: "I can take a slot")
 *   coordinator → agent's subject    claim · ping · parent (start/go/stop) · kill · release
 *   agent       → run's subject      accept · pong · agent (ready/progress/event/report/failed) · alive
 *
 * Subjects: `swarmperf.ctl.<group>.hello`, `….agent.<agentId>`, `….run.<runId>`. The group keeps
 * the agents of concurrent runs on one server apart. Messages from the network are checked for
 * shape before use; anything else is ignored.
 */
import type { AgentMessage, ParentMessage } from './protocol.js';
import { isAgentMessage, isParentMessage } from './protocol.js';

/** Who an agent process is: sent with hello and accept, and reported per host in the result. */
export interface RemoteIdentity {
  /** Random per agent process (its subject). */
  id: string;
  /** --name, or the host name. */
  host: string;
  pid: number;
  /** swarmperf version: a coordinator only takes agents of its own version. */
  version: string;
}

export type ToAgent =
  | { type: 'claim'; run: string }
  | { type: 'ping'; run: string; seq: number }
  | { type: 'parent'; run: string; message: ParentMessage }
  | { type: 'kill'; run: string }
  | { type: 'release'; run: string };

export type FromAgent =
  | { type: 'hello'; agent: RemoteIdentity }
  | { type: 'accept'; run: string; agent: RemoteIdentity }
  | { type: 'pong'; run: string; from: string; seq: number; wallUs: number; orderUs: number }
  | { type: 'agent'; run: string; from: string; message: AgentMessage }
  | { type: 'alive'; run: string; from: string };

export const subjects = {
  hello: (group: string) => `swarmperf.ctl.${group}.hello`,
  agent: (group: string, id: string) => `swarmperf.ctl.${group}.agent.${id}`,
  run: (group: string, run: string) => `swarmperf.ctl.${group}.run.${run}`,
};

const ID = /^[a-z0-9]{1,32}$/;

function isIdentity(v: unknown): v is RemoteIdentity {
  const a = v as Partial<RemoteIdentity> | null;
  return typeof a?.id === 'string' && ID.test(a.id) && typeof a.host === 'string' && a.host.length <= 255 && Number.isInteger(a.pid) && typeof a.version === 'string' && a.version.length <= 64;
}

export function asToAgent(m: unknown): ToAgent | undefined {
  const x = m as { type?: unknown; run?: unknown; seq?: unknown; message?: unknown } | null;
  if (typeof x?.run !== 'string' || !ID.test(x.run)) return undefined;
  switch (x.type) {
    case 'claim':
    case 'kill':
    case 'release':
      return x as ToAgent;
    case 'ping':
      return Number.isSafeInteger(x.seq) ? (x as ToAgent) : undefined;
    case 'parent':
      return isParentMessage(x.message) ? (x as ToAgent) : undefined;
    default:
      return undefined;
  }
}

export function asFromAgent(m: unknown): FromAgent | undefined {
  const x = m as { type?: unknown; run?: unknown; from?: unknown; agent?: unknown; seq?: unknown; wallUs?: unknown; orderUs?: unknown; message?: unknown } | null;
  if (x?.type === 'hello') return isIdentity(x.agent) ? (x as FromAgent) : undefined;
  if (typeof x?.run !== 'string' || !ID.test(x.run)) return undefined;
  if (x.type === 'accept') return isIdentity(x.agent) ? (x as FromAgent) : undefined;
  if (typeof x.from !== 'string' || !ID.test(x.from)) return undefined;
  switch (x.type) {
    case 'pong':
      return Number.isSafeInteger(x.seq) && Number.isFinite(x.wallUs) && Number.isFinite(x.orderUs) ? (x as FromAgent) : undefined;
    case 'agent':
      return isAgentMessage(x.message) ? (x as FromAgent) : undefined;
    case 'alive':
      return x as FromAgent;
    default:
      return undefined;
  }
}

/**
 * How a remote host's clocks relate to the coordinator's, from NTP-style pings over the control
 * plane: offset = remote reading − the coordinator's midpoint of the round trip, known to ± rtt/2.
 * Offsets are used ONLY to place the common start on the remote clock and to line up invariant
 * logs (with the uncertainty as allowance); no latency is ever computed across two clocks.
 */
export interface HostClock {
  /** Remote wall clock − coordinator wall clock, µs. */
  wallOffsetUs: number;
  /** Remote monotonic clock (the ordering clock) − coordinator monotonic clock, µs. */
  orderOffsetUs: number;
  /** Half the round trip of the best ping: the offsets are exact to within ± this, µs. */
  uncertaintyUs: number;
  rttUs: number;
  /** Pings answered. */
  samples: number;
}

export interface ClockSample {
  /** Coordinator clocks when the ping left and when the pong came back. */
  sentWallUs: number;
  sentOrderUs: number;
  receivedOrderUs: number;
  /** The remote clocks, read together while answering. */
  remoteWallUs: number;
  remoteOrderUs: number;
}

/** The estimate from the ping with the shortest round trip (the least room for asymmetry). */
export function estimateClock(samples: readonly ClockSample[]): HostClock | undefined {
  let best: ClockSample | undefined;
  for (const s of samples) if (!best || s.receivedOrderUs - s.sentOrderUs < best.receivedOrderUs - best.sentOrderUs) best = s;
  if (!best) return undefined;
  const rttUs = Math.max(0, best.receivedOrderUs - best.sentOrderUs);
  const half = rttUs / 2;
  return {
    wallOffsetUs: Math.round(best.remoteWallUs - (best.sentWallUs + half)),
    orderOffsetUs: Math.round(best.remoteOrderUs - (best.sentOrderUs + half)),
    uncertaintyUs: Math.ceil(half),
    rttUs,
    samples: samples.length,
  };
}
