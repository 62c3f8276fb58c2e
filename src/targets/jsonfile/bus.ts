/**
 * jsonfile MessageBus: message-bus.jsonl, one JSON line per message, appended under the bus lock
 * (which also assigns the per-topic seq, kept in bus-state.json). Subscribers, in any process,
 * poll the file's size and read the new bytes from their own byte offset, so each sees every line
 * once, in append order. A partly written last line is left for the next poll. The file is never
 * pruned (as in the agent systems that use one); reset() empties it.
 */
import { closeSync, openSync, readSync, statSync, appendFileSync } from 'node:fs';
import type { WallClockMs } from '../options.js';
import type { BusHandler, BusMessage, MessageBus, Subscription } from '../ports.js';
import type { JsonDocuments, Versioned } from './documents.js';

export const BUS_FILE = 'message-bus.jsonl';
export const BUS_STATE_FILE = 'bus-state.json';

interface BusStateDoc extends Versioned {
  topics: Record<string, number>;
}
const emptyState = (): BusStateDoc => ({ topics: {}, last_updated: new Date(0).toISOString(), lock_version: 0 });

interface LineJson {
  message_id: string;
  topic: string;
  seq: number;
  timestamp: string;
  published_at: number;
  payload: string;
}

export class JsonMessageBus implements MessageBus {
  readonly semantics: string;
  private readonly subscriptions = new Set<{ stop(): void }>();

  constructor(
    private readonly docs: JsonDocuments,
    private readonly now: WallClockMs,
    private readonly pollMs: number,
  ) {
    this.semantics = `cross-process; exactly-once per subscriber, ordered per topic; JSONL file polled every ${pollMs} ms; never pruned`;
  }

  publish(topic: string, payload: string): Promise<BusMessage> {
    // The seq counter and the append happen under one lock, so file order = seq order.
    return this.docs.update('bus.publish', BUS_STATE_FILE, emptyState, (state) => {
      const seq = (state.topics[topic] ?? 0) + 1;
      state.topics[topic] = seq;
      const publishedAt = this.now();
      const line: LineJson = { message_id: `msg-${publishedAt}-${topic}-${seq}`, topic, seq, timestamp: new Date(publishedAt).toISOString(), published_at: publishedAt, payload: String(payload) };
      appendFileSync(this.docs.path(BUS_FILE), JSON.stringify(line) + '\n');
      return { result: { seq, topic, payload: line.payload, publishedAt }, changed: true };
    });
  }

  async subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    // Start at the current end of the file, read under the bus lock so no append is half done.
    let offset = await this.docs.locked('bus.subscribe', BUS_STATE_FILE, () => this.size());
    let carry = '';
    let timer: NodeJS.Timeout | undefined;
    let active = true;
    const poll = (): void => {
      timer = undefined;
      if (!active) return;
      const size = this.size();
      if (size < offset) {
        // The file was reset (truncated): start over from its beginning.
        offset = 0;
        carry = '';
      }
      if (size > offset) {
        const text = carry + this.readRange(offset, size);
        offset = size;
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const raw of lines) {
          if (!active) return;
          if (raw === '') continue;
          const line = JSON.parse(raw) as LineJson;
          if (line.topic === topic) handler({ seq: line.seq, topic, payload: line.payload, publishedAt: line.published_at });
        }
      }
      if (active) timer = setTimeout(poll, this.pollMs);
    };
    const sub = {
      stop: (): void => {
        active = false;
        if (timer) clearTimeout(timer);
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    timer = setTimeout(poll, this.pollMs);
    return { topic, unsubscribe: () => sub.stop() };
  }

  stopAll(): void {
    for (const s of [...this.subscriptions]) s.stop();
  }

  private size(): number {
    try {
      return statSync(this.docs.path(BUS_FILE)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  private readRange(from: number, to: number): string {
    const fd = openSync(this.docs.path(BUS_FILE), 'r');
    try {
      const buf = Buffer.alloc(to - from);
      let read = 0;
      while (read < buf.length) {
        const n = readSync(fd, buf, read, buf.length - read, from + read);
        if (n === 0) break;
        read += n;
      }
      return buf.subarray(0, read).toString('utf8');
    } finally {
      closeSync(fd);
    }
  }
}
