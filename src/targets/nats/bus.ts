/**
 * NATS JetStream MessageBus: one stream per namespace (`swarmperf_<ns>_bus`, subjects
 * `swarmperf.<ns>.bus.<hex topic>`). publish() waits for the stream's ack; the message's seq is
 * the stream sequence (unique, increasing in publish order; not dense per topic). Every subscriber
 * is a DURABLE pull consumer of its own, filtered to the topic, delivering only messages stored
 * after it was created, each acknowledged after its handler ran: every subscriber gets every
 * message once and in order, and one that stalls resumes where it was. unsubscribe() deletes it.
 */
import { randomUUID } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { WallClockMs } from '../options.js';
import type { BusHandler, BusMessage, MessageBus, Subscription } from '../ports.js';
import { hex } from './kv.js';

interface Wire {
  p: string;
  t: number;
}

export class NatsMessageBus implements MessageBus {
  readonly semantics = 'cross-process; JetStream stream with one durable consumer per subscriber: exactly once per subscriber (acked), ordered per topic (stream seq, not dense); stored on the server';
  private readonly active = new Set<() => Promise<void>>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly subjectPrefix: string,
    private readonly now: WallClockMs,
  ) {}

  async publish(topic: string, payload: string): Promise<BusMessage> {
    const publishedAt = this.now();
    const text = String(payload);
    const wire: Wire = { p: text, t: publishedAt };
    const ack = await this.js.publish(`${this.subjectPrefix}${hex(topic) || '_'}`, JSON.stringify(wire));
    return { seq: ack.seq, topic, payload: text, publishedAt };
  }

  async subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    const name = `sub_${randomUUID().replace(/-/g, '')}`;
    await this.jsm.consumers.add(this.stream, {
      durable_name: name,
      filter_subject: `${this.subjectPrefix}${hex(topic) || '_'}`,
      deliver_policy: DeliverPolicy.New,
      ack_policy: AckPolicy.Explicit,
    });
    const consumer = await this.js.consumers.get(this.stream, name);
    let running = true;
    const messages: ConsumerMessages = await consumer.consume({
      callback: (m) => {
        if (!running) return;
        const wire = m.json<Wire>();
        handler({ seq: m.seq, topic, payload: wire.p, publishedAt: wire.t });
        m.ack();
      },
    });
    const stop = async (): Promise<void> => {
      if (!running) return;
      running = false;
      this.active.delete(stop);
      await messages.close().catch(() => {});
      await this.jsm.consumers.delete(this.stream, name).catch(() => {});
    };
    this.active.add(stop);
    return { topic, unsubscribe: stop };
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.active].map((stop) => stop()));
  }
}
