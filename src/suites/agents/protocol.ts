/**
 * What the parent and its agents say to each other, over the fork() IPC channel (structured clone)
 * or, for in-process agents, by direct call. Every message is plain data.
 *
 *   parent → agent: start (what to run) · go (the common timing plan) · stop (end now)
 *   agent → parent: ready (set up, waiting at the barrier) · progress (with the windows closed since) · event (live, e.g. a lease
 *                   change, so a killed agent's history survives it) · report (the end) · failed
 */
import type { ProgressSnapshot } from '../../measure/recorder.js';
import type { BackendStats } from '../../targets/ports.js';
import type { AgentRecording, WindowRecording } from './agent-recorder.js';

export type AgentParams = Record<string, unknown>;

export interface AgentSpec {
  /** Role name in the role table (one per suite). */
  role: string;
  /** URL of the module whose getRole(name) gives the role (process agents import it). */
  roleModule?: string;
  index: number;
  agents: number;
  /** Unique per process: a replacement agent gets a new id. */
  agentId: string;
  generation: number;
  backend: string;
  dataDir: string;
  seed: number;
  params: AgentParams;
  intervalUs: number;
  /** Operations this agent may issue in the measured window (from --iterations), if bounded. */
  iterations?: number;
}

/** The common timeline every agent follows, in wall-clock ms so separate processes agree. */
export interface TimingPlan {
  warmupStartWallMs: number;
  measureStartWallMs: number;
  measureEndWallMs: number;
}

export interface AgentReport {
  recording: AgentRecording;
  /** Suite counters (claims that found the queue empty, leases lost ...), summed over agents. */
  counters: Record<string, number>;
  /** Suite-specific end-of-run data for the invariant checkers. */
  log: unknown;
  /** The backend's contention counters as seen by this agent's own connection. */
  backendStats?: BackendStats;
}

/** Interval windows an agent closed since its last message; every window before `closedBefore` is final. */
export interface ClosedWindows {
  windows: WindowRecording[];
  closedBefore: number;
}

export type ParentMessage = { type: 'start'; spec: AgentSpec } | { type: 'go'; plan: TimingPlan } | { type: 'stop' };

export type AgentMessage =
  | { type: 'ready' }
  | { type: 'progress'; snapshot: ProgressSnapshot; phase: 'warmup' | 'measure'; windows?: ClosedWindows }
  | { type: 'event'; event: unknown }
  | { type: 'report'; report: AgentReport }
  | { type: 'failed'; message: string };

export function isParentMessage(m: unknown): m is ParentMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'start' || t === 'go' || t === 'stop';
}

export function isAgentMessage(m: unknown): m is AgentMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'ready' || t === 'progress' || t === 'event' || t === 'report' || t === 'failed';
}
