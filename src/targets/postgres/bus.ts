/**
 * PostgreSQL MessageBus: an append table with LISTEN/NOTIFY wake-ups. publish() is one statement
 * that bumps the topic's counter (its row lock orders publishers of one topic, so seqs commit in
 * order), appends the message and NOTIFYs the namespace's channel with the topic (delivered at
 * commit). Each backend LISTENs on one connection of its own; a notification makes every
 * subscription of that topic fetch the rows past its cursor. A slow poll (every second) covers a
 * notification lost while the listening connection was being re-established. Exactly once per
 * subscriber, in order; messages are kept `retentionMs` (60 s).
 */
import pg from 'pg';
import type { Pool } from 'pg';
import type { WallClockMs } from '../options.js';
import type { BusHandler, BusMessage, MessageBus, Subscription } from '../ports.js';
import type { Counters } from '../remote/counters.js';

const BATCH = 512;
const SAFETY_POLL_MS = 1000;
const RETENTION_MS = 60_000;
const PRUNE_EVERY = 256;

const PUBLISH = `
  WITH s AS (INSERT INTO bus_topics (topic, last_seq) VALUES ($1, 1)
             ON CONFLICT (topic) DO UPDATE SET last_seq = bus_topics.last_seq + 1 RETURNING last_seq),
  m AS (INSERT INTO bus_messages (topic, seq, payload, published_at) SELECT $1, last_seq, $2, $3 FROM s RETURNING seq)
  SELECT m.seq, pg_notify($4, $1) FROM m`;

interface Sub {
  topic: string;
  wake(): void;
  stop(): void;
}

export class PostgresMessageBus implements MessageBus {
  readonly semantics = 'cross-process; append table + LISTEN/NOTIFY: exactly once per subscriber, ordered per topic (dense seq); woken at commit, safety poll every 1 s; retained 60 s';
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private readonly subs = new Set<Sub>();
  private publishes = 0;
  /** Publishes of this process go out one after another, so they commit in call order (the pool would reorder them). */
  private publishChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly clientConfig: pg.ClientConfig,
    private readonly channel: string,
    private readonly now: WallClockMs,
    private readonly counters: Counters,
  ) {}

  publish(topic: string, payload: string): Promise<BusMessage> {
    const next = this.publishChain.then(() => this.publishNow(topic, payload));
    this.publishChain = next.catch(() => {});
    return next;
  }

  private async publishNow(topic: string, payload: string): Promise<BusMessage> {
    const publishedAt = this.now();
    const text = String(payload);
    const { rows } = await this.pool.query<{ seq: string }>(PUBLISH, [topic, text, publishedAt, this.channel]);
    if (++this.publishes % PRUNE_EVERY === 0) await this.pool.query('DELETE FROM bus_messages WHERE published_at < $1', [publishedAt - RETENTION_MS]);
    return { seq: Number(rows[0]?.seq), topic, payload: text, publishedAt };
  }

  async subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    // LISTEN before reading the cursor: a message committed after the read always wakes us.
    await this.listen();
    const { rows } = await this.pool.query<{ last_seq: string }>('SELECT last_seq FROM bus_topics WHERE topic = $1', [topic]);
    let cursor = Number(rows[0]?.last_seq ?? 0);
    let active = true;
    let running = false;
    let again = false;
    const drain = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const { rows: batch } = await this.pool.query<{ seq: string; payload: string; published_at: string }>(
            'SELECT seq, payload, published_at FROM bus_messages WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3',
            [topic, cursor, BATCH],
          );
          for (const r of batch) {
            if (!active) return;
            cursor = Number(r.seq);
            handler({ seq: cursor, topic, payload: r.payload, publishedAt: Number(r.published_at) });
          }
          if (batch.length === BATCH) again = true;
        } while (again && active);
      } catch {
        this.counters.retry('bus.read'); // the safety poll tries again
      } finally {
        running = false;
      }
    };
    const timer = setInterval(() => void drain(), SAFETY_POLL_MS);
    const sub: Sub = {
      topic,
      wake: () => void drain(),
      stop: () => {
        active = false;
        clearInterval(timer);
        this.subs.delete(sub);
      },
    };
    this.subs.add(sub);
    return { topic, unsubscribe: () => sub.stop() };
  }

  async stopAll(): Promise<void> {
    for (const s of [...this.subs]) s.stop();
    const listener = this.listener;
    this.listener = undefined;
    this.listening = undefined;
    await listener?.end().catch(() => {});
  }

  private listen(): Promise<void> {
    this.listening ??= (async () => {
      const client = new pg.Client(this.clientConfig);
      client.on('error', () => {
        this.counters.retry('bus.listen');
        this.listener = undefined;
        this.listening = undefined; // the next subscribe (or none) listens again; safety polls continue
      });
      client.on('notification', (n) => {
        for (const s of this.subs) if (s.topic === n.payload) s.wake();
      });
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.listener = client;
    })();
    return this.listening;
  }
}
