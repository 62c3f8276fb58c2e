/**
 * etcd MessageBus: publish() puts a key `bus/<topic>/<publisher>-<n>`; its seq is the etcd revision
 * of that put (cluster-wide, increasing in commit order). Every subscriber is a watch on the
 * topic's prefix: etcd streams the puts after the watch started, in revision order, to each
 * watcher. A process's publishes go out one after another, so they commit in call order. Messages
 * stay until reset() (etcd keeps its history bounded by compaction, the keys by reset).
 */
import { randomUUID } from 'node:crypto';
import type { Namespace, Watcher } from 'etcd3';
import type { WallClockMs } from '../options.js';
import type { BusHandler, BusMessage, MessageBus, Subscription } from '../ports.js';

interface Wire {
  p: string;
  t: number;
}

export class EtcdMessageBus implements MessageBus {
  readonly semantics = 'cross-process; a key per message, one etcd watch per subscriber: exactly once per subscriber, ordered (seq = etcd revision, not dense); kept until reset';
  private readonly publisher = randomUUID();
  private count = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly ns: Namespace,
    private readonly now: WallClockMs,
  ) {}

  publish(topic: string, payload: string): Promise<BusMessage> {
    const next = this.chain.then(() => this.publishNow(topic, String(payload)));
    this.chain = next.catch(() => {});
    return next;
  }

  async subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    const watcher = await this.ns.watch().prefix(`bus/${topic}/`).create();
    this.watchers.add(watcher);
    watcher.on('put', (kv) => {
      const wire = JSON.parse(kv.value.toString()) as Wire;
      handler({ seq: Number(kv.mod_revision), topic, payload: wire.p, publishedAt: wire.t });
    });
    return {
      topic,
      unsubscribe: async () => {
        this.watchers.delete(watcher);
        watcher.removeAllListeners('put');
        await watcher.cancel().catch(() => {});
      },
    };
  }

  async stopAll(): Promise<void> {
    for (const w of [...this.watchers]) {
      w.removeAllListeners('put');
      await w.cancel().catch(() => {});
    }
    this.watchers.clear();
  }

  private async publishNow(topic: string, payload: string): Promise<BusMessage> {
    const publishedAt = this.now();
    const wire: Wire = { p: payload, t: publishedAt };
    const res = await this.ns.put(`bus/${topic}/${this.publisher}-${++this.count}`).value(JSON.stringify(wire)).exec();
    return { seq: Number(res.header.revision), topic, payload, publishedAt };
  }
}
