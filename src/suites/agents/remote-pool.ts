/**
 * The coordinator's side of agents on other hosts: it recruits `count` idle agents from the control
 * plane (each announces itself with hello; the run claims it; it accepts), measures each one's clock
 * offset with NTP-style pings, and gives the harness one slot per agent — a `send` that translates
 * the common timing plan onto that host's wall clock, and callbacks for its messages and its loss.
 *
 * A run never hangs on a host: recruiting ends after `joinTimeoutMs` with a message naming how many
 * joined and the command to start on each host; an agent silent for `silenceTimeoutMs` during the
 * run is reported lost, like a local agent that died.
 */
import { randomBytes } from 'node:crypto';
import { swarmperfVersion } from '../../core/version.js';
import { openControlChannel, parseControlUrl, type ControlChannel } from '../../targets/control/channel.js';
import { asFromAgent, estimateClock, subjects, type ClockSample, type FromAgent, type HostClock, type RemoteIdentity, type ToAgent } from './control-protocol.js';
import type { AgentMessage, ParentMessage } from './protocol.js';
import { orderUs, wallUs } from './runtime.js';

export interface RemoteAgentsOptions {
  /** Control server URL (`nats://HOST:PORT` or `redis://HOST:PORT`). */
  control: string;
  /** Control group (default "default"). */
  group?: string;
  /** Agents on other hosts, within the run's agent count. */
  count: number;
  /** How long recruiting may take, ms. */
  joinTimeoutMs: number;
  /** An agent silent this long during a run is lost, ms (default 15 s). */
  silenceTimeoutMs?: number;
}

export const DEFAULT_CONTROL_GROUP = 'default';
const PINGS_AT_JOIN = 7;
const PING_TIMEOUT_MS = 2_000;
const KEEPALIVE_MS = 1_000;

export interface RemoteSlot {
  readonly identity: RemoteIdentity;
  readonly clock: HostClock;
  /** Sends a parent message; a `go` plan is moved onto the host's wall clock first. */
  send(m: ParentMessage): void;
  /** Ends the agent's run without a report (it becomes free for other runs). */
  kill(): void;
  onMessage?: (m: AgentMessage) => void;
  onLost?: (why: string) => void;
}

interface Member {
  identity: RemoteIdentity;
  lastHeardMs: number;
  samples: ClockSample[];
  pending: Map<number, { sentWallUs: number; sentOrderUs: number; resolve: () => void }>;
  slot?: MutableSlot;
  lost: boolean;
}

interface MutableSlot extends RemoteSlot {
  clock: HostClock;
}

export class RemotePool {
  private keepalive: NodeJS.Timeout | undefined;
  private pingSeq = 0;
  private closed = false;

  private constructor(
    private readonly channel: ControlChannel,
    private readonly group: string,
    private readonly run: string,
    private readonly members: Member[],
    private readonly unsubscribe: Array<() => void>,
    private readonly silenceTimeoutMs: number,
  ) {}

  get slots(): RemoteSlot[] {
    return this.members.map((m) => m.slot as RemoteSlot);
  }

  /**
   * Recruits the agents and measures their clocks; throws (after releasing whoever joined) when
   * too few join in time. Interrupted meanwhile (Ctrl-C): undefined, nothing held.
   */
  static async recruit(o: RemoteAgentsOptions, signal: AbortSignal, log: (line: string) => void): Promise<RemotePool | undefined> {
    const url = parseControlUrl('--control', o.control);
    const group = o.group ?? DEFAULT_CONTROL_GROUP;
    const version = swarmperfVersion();
    const run = randomBytes(6).toString('hex');
    const channel = await openControlChannel(url);
    const joined = new Map<string, Member>();
    const claimedAt = new Map<string, number>();
    const refused = new Map<string, string>();
    let pool: RemotePool | undefined;
    let wake: () => void = () => {};
    const send = (id: string, m: ToAgent): void => channel.publish(subjects.agent(group, id), m);

    const onRun = (raw: unknown): void => {
      const m = asFromAgent(raw);
      if (!m || m.type === 'hello' || m.run !== run) return;
      if (m.type === 'accept') {
        if (joined.has(m.agent.id)) return;
        if (joined.size >= o.count || !claimedAt.has(m.agent.id)) return send(m.agent.id, { type: 'release', run });
        joined.set(m.agent.id, { identity: m.agent, lastHeardMs: Date.now(), samples: [], pending: new Map(), lost: false });
        wake();
        return;
      }
      const member = joined.get(m.from);
      if (!member) return;
      member.lastHeardMs = Date.now();
      pool?.onMember(member, m);
      if (!pool) RemotePool.onPong(member, m);
    };
    const onHello = (raw: unknown): void => {
      const m = asFromAgent(raw);
      if (m?.type !== 'hello' || joined.has(m.agent.id) || joined.size >= o.count) return;
      if (m.agent.version !== version) {
        refused.set(m.agent.id, `${m.agent.host} (pid ${m.agent.pid}) runs swarmperf ${m.agent.version}, this run ${version}`);
        return;
      }
      // An agent still saying hello a second after our claim did not get it (or chose another run): ask again.
      const at = claimedAt.get(m.agent.id);
      if (at !== undefined && Date.now() - at < 1_000) return;
      claimedAt.set(m.agent.id, Date.now());
      send(m.agent.id, { type: 'claim', run });
    };
    const unsubscribe: Array<() => void> = [];
    const giveUp = async (): Promise<void> => {
      for (const id of joined.keys()) send(id, { type: 'release', run });
      for (const u of unsubscribe) u();
      await channel.flush().catch(() => {});
      await channel.close();
    };
    try {
      unsubscribe.push(await channel.subscribe(subjects.run(group, run), onRun));
      unsubscribe.push(await channel.subscribe(subjects.hello(group), onHello));
      log(`waiting for ${o.count} remote agent${o.count === 1 ? '' : 's'} on ${url.url} (control group "${group}")`);
      const deadline = Date.now() + o.joinTimeoutMs;
      const onAbort = (): void => wake();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        while (joined.size < o.count && !signal.aborted && Date.now() < deadline) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now()))).unref();
          });
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (signal.aborted) {
        log(`interrupted while waiting for remote agents (${joined.size} of ${o.count} had joined)`);
        await giveUp();
        return undefined;
      }
      if (joined.size < o.count) {
        const why = refused.size > 0 ? `; refused: ${[...refused.values()].join(', ')}` : '';
        const groupFlag = group === DEFAULT_CONTROL_GROUP ? '' : ` --control-group ${group}`;
        throw new Error(
          `--remote-agents ${o.count}: ${joined.size} of ${o.count} remote agents joined within ${o.joinTimeoutMs} ms on ${url.url} (control group "${group}")${why}; start \`swarmperf agent --control ${url.url}${groupFlag}\` on each host (it must reach the server and run swarmperf ${version})`,
        );
      }
      const members = [...joined.values()];
      await Promise.all(members.map((m) => RemotePool.measureClock(m, (seq) => send(m.identity.id, { type: 'ping', run, seq }), PINGS_AT_JOIN)));
      const silent = members.filter((m) => m.samples.length === 0);
      if (silent.length > 0) throw new Error(`--remote-agents: ${silent.map((m) => `${m.identity.host} (pid ${m.identity.pid})`).join(', ')} joined but answered no clock ping within ${PING_TIMEOUT_MS} ms`);
      pool = new RemotePool(channel, group, run, members, unsubscribe, o.silenceTimeoutMs ?? 15_000);
      for (const m of members) m.slot = pool.slotFor(m);
      pool.startKeepalive();
      return pool;
    } catch (err) {
      await giveUp();
      throw err;
    }
  }

  /** Sequential pings (one in flight at a time, so none waits behind another); keeps every answer. */
  private static async measureClock(m: Member, ping: (seq: number) => void, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve) => {
        const seq = i;
        const timer = setTimeout(() => {
          m.pending.delete(seq);
          resolve();
        }, PING_TIMEOUT_MS);
        m.pending.set(seq, {
          sentWallUs: wallUs(),
          sentOrderUs: orderUs(),
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        ping(seq);
      });
    }
  }

  private static onPong(member: Member, m: FromAgent): void {
    if (m.type !== 'pong') return;
    const p = member.pending.get(m.seq);
    if (!p) return;
    member.pending.delete(m.seq);
    member.samples.push({ sentWallUs: p.sentWallUs, sentOrderUs: p.sentOrderUs, receivedOrderUs: orderUs(), remoteWallUs: m.wallUs, remoteOrderUs: m.orderUs });
    p.resolve();
  }

  private onMember(member: Member, m: FromAgent): void {
    if (m.type === 'agent') member.slot?.onMessage?.(m.message);
  }

  private slotFor(member: Member): MutableSlot {
    const clock = estimateClock(member.samples) as HostClock;
    const to = (m: ToAgent): void => this.channel.publish(subjects.agent(this.group, member.identity.id), m);
    const run = this.run;
    return {
      identity: member.identity,
      clock,
      send(m) {
        if (m.type === 'go') {
          const shiftMs = clock.wallOffsetUs / 1000;
          const plan = { warmupStartWallMs: m.plan.warmupStartWallMs + shiftMs, measureStartWallMs: m.plan.measureStartWallMs + shiftMs, measureEndWallMs: m.plan.measureEndWallMs + shiftMs };
          to({ type: 'parent', run, message: { type: 'go', plan } });
        } else to({ type: 'parent', run, message: m });
      },
      kill: () => {
        member.lost = true;
        to({ type: 'kill', run });
      },
    };
  }

  /** Pings every agent each second (its sign that the run goes on) and reports one gone silent. */
  private startKeepalive(): void {
    this.keepalive = setInterval(() => {
      const now = Date.now();
      for (const m of this.members) {
        if (m.lost) continue;
        this.channel.publish(subjects.agent(this.group, m.identity.id), { type: 'ping', run: this.run, seq: this.pingSeq++ } satisfies ToAgent);
        const silentMs = now - m.lastHeardMs;
        if (silentMs > this.silenceTimeoutMs) {
          m.lost = true;
          m.slot?.onLost?.(`sent nothing over the control plane for ${silentMs} ms (limit ${this.silenceTimeoutMs} ms): it died, was stopped, or lost the control server`);
        }
      }
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  /** Frees every agent for other runs and closes the control connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.keepalive) clearInterval(this.keepalive);
    for (const m of this.members) this.channel.publish(subjects.agent(this.group, m.identity.id), { type: 'release', run: this.run } satisfies ToAgent);
    for (const u of this.unsubscribe) u();
    await this.channel.flush().catch(() => {});
    await this.channel.close().catch(() => {});
  }
}
