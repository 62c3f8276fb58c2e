/**
 * In-process MessageBus. publish() assigns the per-topic sequence number and queues one delivery
 * per current subscriber as a microtask: publish returns before any handler runs (a slow handler
 * does not slow the publisher, and a handler may publish without re-entrancy), yet everything is
 * delivered before the next timer or I/O callback.
 */
import type { BusHandler, BusMessage, MessageBus, Subscription } from '../ports.js';
import type { WallClockMs } from '../options.js';

interface Subscriber {
  handler: BusHandler;
  active: boolean;
}

interface Topic {
  lastSeq: number;
  subscribers: Set<Subscriber>;
}

export class MemoryMessageBus implements MessageBus {
  readonly semantics = 'in-process only; exactly-once per subscriber, ordered per topic; delivered as microtasks right after publish';
  private readonly topics = new Map<string, Topic>();
  constructor(private readonly now: WallClockMs) {}

  publish(topic: string, payload: string): BusMessage {
    const t = this.topic(topic);
    const message: BusMessage = { seq: ++t.lastSeq, topic, payload, publishedAt: this.now() };
    // Subscribers at publish time receive it; one who subscribes later does not.
    for (const sub of t.subscribers) {
      queueMicrotask(() => {
        if (sub.active) sub.handler({ ...message });
      });
    }
    return { ...message };
  }

  subscribe(topic: string, handler: BusHandler): Subscription {
    const t = this.topic(topic);
    const sub: Subscriber = { handler, active: true };
    t.subscribers.add(sub);
    return {
      topic,
      unsubscribe: () => {
        sub.active = false;
        t.subscribers.delete(sub);
      },
    };
  }

  /** Forget sequence numbers and subscribers (reset/close). */
  clear(): void {
    for (const t of this.topics.values()) for (const s of t.subscribers) s.active = false;
    this.topics.clear();
  }

  private topic(name: string): Topic {
    let t = this.topics.get(name);
    if (!t) this.topics.set(name, (t = { lastSeq: 0, subscribers: new Set() }));
    return t;
  }
}
