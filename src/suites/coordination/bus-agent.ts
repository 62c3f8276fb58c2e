/**
 * The bus agent: publishes on its own topic at a fixed rate (open loop: latency from the intended
 * send time, so a stalled bus cannot hide) and subscribes to the topics of `fanout` other agents,
 * so each message fans out 1 → fanout across processes. Payloads carry the sender's wall-clock µs,
 * so a subscriber measures publish → deliver latency. After the measured window every publisher
 * sends an end marker with its count; subscribers wait for every marker and every message before
 * they report (or give up after a bound), so losses are real losses.
 */
import { constantRate, runOpenLoop } from '../../load/open-loop.js';
import type { Workload } from '../../load/types.js';
import type { Recorder } from '../../measure/recorder.js';
import type { BusMessage, Subscription } from '../../targets/ports.js';
import type { AgentRole } from '../agents/runtime.js';
import { orderUs } from '../agents/runtime.js';
import type { PublishedLog, SubscriptionLog } from '../invariants/deliveries.js';

export interface BusAgentLog {
  published: PublishedLog;
  subscriptions: SubscriptionLog[];
  /** Whether every subscription saw its publisher's end marker and every message before it. */
  complete: boolean;
}

export function busTopic(index: number): string {
  return `bench.agent-${index}`;
}

/** Topics agent `index` subscribes to: the next `fanout` agents' (its own when it is alone). */
export function subscribedTopics(index: number, agents: number, fanout: number): string[] {
  if (agents === 1) return [busTopic(0)];
  const out: string[] = [];
  for (let k = 1; k <= Math.min(fanout, agents - 1); k++) out.push(busTopic((index + k) % agents));
  return out;
}

export function sizeLabel(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}k` : `${bytes}b`;
}

/** `m|<sentWallUs>|<sizeIndex>|padding` for data, `end|<count>` for the end marker. */
function payload(sentUs: number, sizeIndex: number, size: number): string {
  const head = `m|${sentUs}|${sizeIndex}|`;
  return head.length >= size ? head : head + 'x'.repeat(size - head.length);
}

export const busAgent: AgentRole = async (ctx) => {
  const bus = ctx.backend.bus;
  const me = ctx.spec.index;
  const sizes = ctx.param<number[]>('payloadSizes', [256]);
  const rate = ctx.param('ratePerAgent', 200);
  const fanout = ctx.param('fanout', ctx.spec.agents - 1);
  const drainMaxMs = ctx.param('drainMaxMs', 5_000);
  const labels = sizes.map(sizeLabel);
  const opName = (kind: 'publish' | 'deliver', i: number): string => (sizes.length === 1 ? kind : `${kind}-${labels[i]}`);
  const myTopic = busTopic(me);
  const published: PublishedLog = { topic: myTopic, seqs: [] };
  const counters = { published: 0, delivered: 0, payloadBytesDelivered: 0 };
  let recorder: Recorder | undefined;

  interface SubState {
    log: SubscriptionLog;
    unique: Set<number>;
    endCount: number | undefined;
    endSeq: number | undefined;
  }
  const subs: SubState[] = [];
  let wakeDrain: (() => void) | undefined;
  const handle = (state: SubState) => (m: BusMessage) => {
    const now = orderUs();
    state.log.seqs.push(m.seq);
    state.unique.add(m.seq);
    counters.delivered++;
    counters.payloadBytesDelivered += m.payload.length;
    if (m.payload.startsWith('end|')) {
      state.endCount = Number(m.payload.slice(4));
      state.endSeq = m.seq;
    } else if (recorder) {
      const parts = m.payload.split('|', 3);
      const sent = Number(parts[1]);
      const i = Number(parts[2]) || 0;
      const end = ctx.clock.nowUs();
      recorder.record(opName('deliver', i), Math.max(1, now - sent), end);
    }
    wakeDrain?.();
  };
  const subscriptions: Subscription[] = [];
  for (const topic of subscribedTopics(me, ctx.spec.agents, fanout)) {
    const state: SubState = { log: { subscriberId: ctx.agentId, topic, seqs: [] }, unique: new Set(), endCount: undefined, endSeq: undefined };
    subs.push(state);
    subscriptions.push(await ctx.untilNotBusy(() => bus.subscribe(topic, handle(state))));
  }

  let n = 0;
  const workload: Workload = {
    next() {
      const i = n++ % sizes.length;
      return {
        name: opName('publish', i),
        run: async () => {
          const m = await bus.publish(myTopic, payload(orderUs(), i, sizes[i] as number));
          published.seqs.push(m.seq);
          counters.published++;
        },
      };
    },
  };

  await ctx.ready();
  const recording = await ctx.measure(
    (lc, _phase, durationUs, iterations) => {
      recorder = lc.recorder;
      return runOpenLoop(workload, { schedule: constantRate(rate), maxInFlight: 16, maxLagUs: 1_000_000, durationUs, ...(iterations !== undefined ? { iterations } : {}) }, lc);
    },
    {
      // Deliveries still arriving after the window are recorded (into the totals, not the windows).
      beforeFinish: async () => {
        if (ctx.signal.aborted) return;
        const end = await ctx.untilNotBusy(() => bus.publish(myTopic, `end|${published.seqs.length}`));
        published.seqs.push(end.seq);
        const deadline = Date.now() + drainMaxMs;
        const done = (): boolean => subs.every((s) => s.endCount !== undefined && s.unique.size >= s.endCount + 1);
        while (!done() && Date.now() < deadline && !ctx.signal.aborted) {
          await new Promise<void>((resolve) => {
            wakeDrain = resolve;
            setTimeout(resolve, 20).unref();
          });
          wakeDrain = undefined;
        }
      },
    },
  );
  recorder = undefined;
  const complete = subs.every((s) => s.endCount !== undefined && s.unique.size >= s.endCount + 1);
  for (const s of subscriptions) await s.unsubscribe();
  const log: BusAgentLog = { published, subscriptions: subs.map((s) => s.log), complete };
  return { recording, counters, log };
};
