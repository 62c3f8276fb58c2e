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
import { PublicationTracker, SubscriptionTracker, type PublicationSummary, type SubscriptionSummary } from '../invariants/deliveries.js';

export interface BusAgentLog {
  published: PublicationSummary;
  subscriptions: SubscriptionSummary[];
  /** Whether every subscription saw its publisher's end marker and every message before it. */
  complete: boolean;
}

export function busTopic(index: number): string {
  return `bench.agent-${index}`;
}

/** Topics agent `index` subscribes to: the next `fanout` agents' (its own when it is alone). */
export function subscribedTopics(index: number, agents: number, fanout: number): number[] {
  if (agents === 1) return [0];
  const out: number[] = [];
  for (let k = 1; k <= Math.min(fanout, agents - 1); k++) out.push((index + k) % agents);
  return out;
}

export function sizeLabel(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024}k` : `${bytes}b`;
}

/**
 * Who published a message: the publisher's index and this run's id space, so a message of another
 * topic or of another run on the same server is told apart from the topic's own.
 */
function originOf(publisherIndex: number, agentId: string): string {
  const at = agentId.indexOf('@');
  return `${publisherIndex}${at >= 0 ? agentId.slice(at) : ''}`;
}

/**
 * `m|<sentWallUs>|<sizeIndex>|<number>|<origin>|padding` for data, `end|<attempted>|<failed>|<origin>`
 * for the end marker: the subscriber checks what it got against the publisher's own count.
 */
function payload(sentUs: number, sizeIndex: number, n: number, origin: string, size: number): string {
  const head = `m|${sentUs}|${sizeIndex}|${n}|${origin}|`;
  return head.length >= size ? head : head + 'x'.repeat(size - head.length);
}

const DIGITS = /^\d{1,15}$/;

interface SubState {
  tracker: SubscriptionTracker;
  origin: string;
  /** From the publisher's end marker: messages it tried, and how many of those failed. */
  endAttempted: number | undefined;
  endFailed: number;
}

/** Every message its publisher published has arrived (and its end marker). */
function drained(s: SubState): boolean {
  return s.endAttempted !== undefined && s.tracker.receivedBelow(s.endAttempted) >= s.endAttempted - s.endFailed;
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
  const myOrigin = originOf(me, ctx.agentId);
  const published = new PublicationTracker(myTopic);
  const counters = { published: 0, delivered: 0, payloadBytesDelivered: 0 };
  let recorder: Recorder | undefined;

  const subs: SubState[] = [];
  let wakeDrain: (() => void) | undefined;
  const handle = (state: SubState) => (m: BusMessage) => {
    const now = orderUs();
    state.tracker.sequence(m.seq);
    counters.delivered++;
    counters.payloadBytesDelivered += m.payload.length;
    if (m.payload.startsWith('end|')) {
      const [, attempted, failed, origin] = m.payload.split('|', 4);
      if (origin === state.origin) {
        state.endAttempted = Number(attempted);
        state.endFailed = Number(failed);
      } else state.tracker.data(undefined);
    } else {
      const parts = m.payload.split('|', 5);
      const number = parts[3] ?? '';
      state.tracker.data(parts[0] === 'm' && parts[4] === state.origin && DIGITS.test(number) ? Number(number) : undefined);
      if (recorder) {
        const sent = Number(parts[1]);
        const i = Number(parts[2]) || 0;
        const end = ctx.clock.nowUs();
        recorder.record(opName('deliver', i), Math.max(1, now - sent), end);
      }
    }
    wakeDrain?.();
  };
  const subscriptions: Subscription[] = [];
  for (const publisher of subscribedTopics(me, ctx.spec.agents, fanout)) {
    const topic = busTopic(publisher);
    const state: SubState = { tracker: new SubscriptionTracker(ctx.agentId, topic), origin: originOf(publisher, ctx.agentId), endAttempted: undefined, endFailed: 0 };
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
          // Numbered when sent, not when scheduled: an arrival dropped by the open loop is never sent.
          const number = published.next();
          try {
            await bus.publish(myTopic, payload(orderUs(), i, number, myOrigin, sizes[i] as number));
          } catch (err) {
            published.fail(number);
            throw err;
          }
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
        await ctx.untilNotBusy(() => bus.publish(myTopic, `end|${published.attemptedCount}|${published.failedCount}|${myOrigin}`));
        const deadline = Date.now() + drainMaxMs;
        while (!subs.every(drained) && Date.now() < deadline && !ctx.signal.aborted) {
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
  const complete = subs.every(drained);
  for (const s of subscriptions) await s.unsubscribe();
  const log: BusAgentLog = { published: published.summary(), subscriptions: subs.map((s) => s.tracker.summary()), complete };
  return { recording, counters, log };
};
