/**
 * An agent on another host (`swarmperf agent --control nats://HOST:4222`): it announces itself on
 * the control plane until a run claims it, answers the coordinator's clock pings, then runs the
 * spec it is given exactly as a forked worker does (run-spec.ts) — its own backend connection, its
 * own clocks — and sends its messages back over the control plane. After each run it is free again,
 * so one agent serves every suite of a `swarmperf run` in turn.
 *
 * Latency is measured here, on this host, by the recorder of the host that made the call: nothing
 * this agent reports is a difference of two hosts' clocks. The timing plan it receives is already
 * on its own wall clock (the coordinator adds the measured offset).
 *
 * Failure handling: a coordinator that falls silent (no ping for `coordinatorTimeoutMs`) is left —
 * the load stops, nothing is reported, the agent is free again; `kill` and `release` end a run the
 * same way. Ctrl-C stops the load, sends what was measured, and ends the process.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ControlChannel } from '../../targets/control/channel.js';
import { asToAgent, subjects, type FromAgent, type RemoteIdentity, type ToAgent } from './control-protocol.js';
import type { AgentMessage, TimingPlan } from './protocol.js';
import { runAgentSpec } from './run-spec.js';
import { orderUs, wallUs } from './runtime.js';

export interface ServeRemoteOptions {
  channel: ControlChannel;
  group: string;
  /** How this host is named in results (default: the host name). */
  name?: string;
  /** Module exporting getRole(name): this installation's roles (never a path sent by the coordinator). */
  roleModule: string;
  version: string;
  /** End after this many runs (default: serve until stopped). */
  runs?: number;
  /** Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  log: (line: string) => void;
  helloIntervalMs?: number;
  /** A claimed agent whose coordinator sends nothing for this long leaves the run. */
  coordinatorTimeoutMs?: number;
}

export interface ServeRemoteResult {
  runs: number;
  /** Stopped by the signal while a run was under way. */
  interrupted: boolean;
  /**
   * Why serving ended on a role that would not stop (a backend call that never returns): the
   * caller should end the process, as the harness SIGKILLs a local worker that does not report.
   */
  stuck?: string;
}

/** How long a left run's role has to stop before the agent gives up on it. */
const LEAVE_GRACE_MS = 10_000;

interface Claim {
  run: string;
  lastHeardMs: number;
  started: boolean;
  /** Set when the run is left without a report (kill, release, silent coordinator). */
  silenced: boolean;
  abort: AbortController;
  releasePlan: (plan: TimingPlan) => void;
  plan: Promise<TimingPlan>;
  alive: NodeJS.Timeout;
}

const ALIVE_MS = 1_000;

export async function serveRemoteAgent(o: ServeRemoteOptions): Promise<ServeRemoteResult> {
  const me: RemoteIdentity = { id: randomBytes(8).toString('hex'), host: o.name ?? hostname(), pid: process.pid, version: o.version };
  const { channel, group } = o;
  const coordinatorTimeoutMs = o.coordinatorTimeoutMs ?? 20_000;
  let claim: Claim | undefined;
  let runs = 0;
  let interrupted = false;
  let stuck: string | undefined;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const toRun = (run: string, m: FromAgent): void => channel.publish(subjects.run(group, run), m);
  const hello = (): void => {
    if (!claim && !o.signal.aborted) channel.publish(subjects.hello(group), { type: 'hello', agent: me } satisfies FromAgent);
  };
  const free = (why?: string): void => {
    if (!claim) return;
    clearInterval(claim.alive);
    if (why) o.log(`left run ${claim.run}: ${why}`);
    claim = undefined;
    if (o.signal.aborted || (o.runs !== undefined && runs >= o.runs)) finish();
    else hello();
  };
  /** Stops the run under way without a report (or frees the slot at once if it had not started). */
  const leave = (c: Claim, why: string): void => {
    if (c.silenced) return;
    c.silenced = true;
    c.abort.abort();
    if (!c.started) return free(why);
    o.log(`leaving run ${c.run}: ${why}`);
    setTimeout(() => {
      if (claim !== c) return;
      stuck = `run ${c.run}: the agent's role did not stop within ${LEAVE_GRACE_MS} ms after it was left (${why}); a backend call never returned`;
      finish();
    }, LEAVE_GRACE_MS).unref();
  };

  const startRun = (c: Claim, m: Extract<ToAgent, { type: 'parent' }>): void => {
    if (m.message.type !== 'start' || c.started) return;
    c.started = true;
    const spec = m.message.spec;
    o.log(`run ${c.run}: ${spec.role} as ${spec.agentId} on ${spec.backend.replace(/\/\/[^@/]*@/, '//')}`);
    void (async () => {
      const send = (message: AgentMessage): void => {
        if (!c.silenced) toRun(c.run, { type: 'agent', run: c.run, from: me.id, message });
      };
      const final = await runAgentSpec(spec, o.roleModule, { send, plan: c.plan, signal: c.abort.signal });
      send(final);
      await channel.flush().catch(() => {});
      if (!c.silenced) {
        runs++;
        o.log(`run ${c.run}: ${final.type === 'report' ? 'reported' : `failed: ${final.message}`}`);
      }
      if (claim === c) free();
    })();
  };

  const onMessage = (raw: unknown): void => {
    const m = asToAgent(raw);
    if (!m) return;
    if (m.type === 'claim') {
      if (claim && claim.run !== m.run) return; // taken by another run: that coordinator looks elsewhere
      if (!claim) {
        if (o.signal.aborted) return;
        let releasePlan: (plan: TimingPlan) => void = () => {};
        const plan = new Promise<TimingPlan>((resolve) => (releasePlan = resolve));
        const run = m.run;
        const alive = setInterval(() => toRun(run, { type: 'alive', run, from: me.id }), ALIVE_MS);
        claim = { run, lastHeardMs: Date.now(), started: false, silenced: false, abort: new AbortController(), releasePlan, plan, alive };
        o.log(`claimed by run ${run}`);
      }
      toRun(m.run, { type: 'accept', run: m.run, agent: me });
      return;
    }
    const c = claim;
    if (!c || c.run !== m.run) return;
    c.lastHeardMs = Date.now();
    switch (m.type) {
      case 'ping':
        toRun(c.run, { type: 'pong', run: c.run, from: me.id, seq: m.seq, wallUs: wallUs(), orderUs: orderUs() });
        break;
      case 'parent':
        if (m.message.type === 'go') {
          c.releasePlan(m.message.plan);
          o.log(`run ${c.run}: released at the common start`);
        }
        else if (m.message.type === 'stop') c.abort.abort();
        else startRun(c, m);
        break;
      case 'kill':
        leave(c, 'killed by the coordinator');
        break;
      case 'release':
        leave(c, 'released by the coordinator');
        break;
    }
  };

  const unsubscribe = await channel.subscribe(subjects.agent(group, me.id), onMessage);
  o.log(`agent ${me.host} (pid ${me.pid}) waiting for a run on ${channel.url}, control group "${group}"`);
  hello();
  const helloTimer = setInterval(hello, o.helloIntervalMs ?? 1_000);
  const watchdog = setInterval(() => {
    const c = claim;
    if (c && !c.silenced && Date.now() - c.lastHeardMs > coordinatorTimeoutMs) leave(c, `the coordinator sent nothing for ${coordinatorTimeoutMs} ms`);
  }, 500);
  const onStop = (): void => {
    const c = claim;
    if (!c) return finish();
    interrupted = true;
    // A run under way stops its load and still reports what it measured; one not started ends now.
    if (c.started) c.abort.abort();
    else {
      toRun(c.run, { type: 'agent', run: c.run, from: me.id, message: { type: 'failed', message: `agent on ${me.host} (pid ${me.pid}) was stopped before the run started` } });
      free('stopped');
    }
  };
  o.signal.addEventListener('abort', onStop, { once: true });
  if (o.signal.aborted) onStop();
  try {
    await finished;
  } finally {
    clearInterval(helloTimer);
    clearInterval(watchdog);
    o.signal.removeEventListener('abort', onStop);
    unsubscribe();
    await channel.flush().catch(() => {});
  }
  return { runs, interrupted, ...(stuck !== undefined ? { stuck } : {}) };
}
