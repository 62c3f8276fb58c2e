/**
 * SQLite MessageBus, shared ACROSS PROCESSES: publish() appends a row (topic, seq) in a
 * BEGIN IMMEDIATE transaction — seq comes from bus_topics.last_seq, so sequence numbers are dense
 * and commit in order — and every subscriber polls for rows past its own cursor every `pollMs`.
 * A subscriber therefore sees each message once, in order, with delivery latency of up to pollMs
 * plus the query. Messages older than `retentionMs` are pruned; a subscriber lagging longer than
 * that would see a gap in seq (visible to its handler, never silently papered over).
 */
import type Database from 'better-sqlite3';
import type { WallClockMs } from '../options.js';
import type { BusHandler, BusMessage, MessageBus, Subscription } from '../ports.js';
import { isBusyError, type SqliteConnection } from './connection.js';

export interface SqliteBusTuning {
  /** Subscriber poll period, ms (default 1). */
  pollMs: number;
  /** How long published messages are kept, ms (default 60 000). */
  retentionMs: number;
}

interface MessageRow {
  seq: number;
  payload: string;
  published_at: number;
}

/** Rows fetched per poll; a full batch re-polls at once (setImmediate) instead of waiting pollMs. */
const BATCH = 512;
/** Prune old messages once every this many publishes from this connection. */
const PRUNE_EVERY = 256;

export class SqliteMessageBus implements MessageBus {
  readonly semantics: string;
  private readonly nextSeq: Database.Statement<[string], { last_seq: number }>;
  private readonly insert: Database.Statement;
  private readonly lastSeq: Database.Statement<[string], { last_seq: number }>;
  private readonly fetch: Database.Statement<[string, number, number], MessageRow>;
  private readonly prune: Database.Statement;
  private readonly publishTx: Database.Transaction<(topic: string, payload: string) => BusMessage>;
  private readonly subscriptions = new Set<{ stop(): void }>();
  private publishes = 0;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly now: WallClockMs,
    private readonly tuning: SqliteBusTuning,
  ) {
    const db = conn.db;
    this.semantics = `cross-process; exactly-once per subscriber, ordered per topic (dense seq); polled every ${tuning.pollMs} ms; retained ${tuning.retentionMs} ms`;
    this.nextSeq = db.prepare('INSERT INTO bus_topics (topic, last_seq) VALUES (?, 1) ON CONFLICT (topic) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq');
    this.insert = db.prepare('INSERT INTO bus_messages (topic, seq, payload, published_at) VALUES (?, ?, ?, ?)');
    this.lastSeq = db.prepare('SELECT last_seq FROM bus_topics WHERE topic = ?');
    this.fetch = db.prepare('SELECT seq, payload, published_at FROM bus_messages WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.prune = db.prepare('DELETE FROM bus_messages WHERE published_at < ?');
    this.publishTx = db.transaction((topic: string, payload: string) => {
      const { last_seq: seq } = this.nextSeq.get(topic) as { last_seq: number };
      const publishedAt = this.now();
      this.insert.run(topic, seq, payload, publishedAt);
      if (++this.publishes % PRUNE_EVERY === 0) this.prune.run(publishedAt - this.tuning.retentionMs);
      return { seq, topic, payload, publishedAt };
    });
  }

  publish(topic: string, payload: string): Promise<BusMessage> {
    return this.conn.withRetry('bus.publish', () => this.publishTx.immediate(topic, String(payload)));
  }

  async subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    // The cursor starts at the topic's last seq: only messages published after subscribing arrive.
    let cursor = await this.conn.withRetry('bus.subscribe', () => this.lastSeq.get(topic)?.last_seq ?? 0);
    let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
    let active = true;
    const poll = (): void => {
      timer = undefined;
      if (!active) return;
      let rows: MessageRow[] = [];
      try {
        rows = this.fetch.all(topic, cursor, BATCH);
      } catch (err) {
        // A WAL read is rarely busy (recovery, checkpoint); count it and try again next tick.
        if (!isBusyError(err)) throw err;
        this.conn.countRetry('bus.poll');
      }
      for (const r of rows) {
        if (!active) return;
        cursor = r.seq;
        handler({ seq: r.seq, topic, payload: r.payload, publishedAt: r.published_at });
      }
      if (!active) return;
      timer = rows.length === BATCH ? setImmediate(poll) : setTimeout(poll, this.tuning.pollMs);
    };
    const sub = {
      stop: (): void => {
        active = false;
        if (timer !== undefined) {
          clearTimeout(timer as NodeJS.Timeout);
          clearImmediate(timer as NodeJS.Immediate);
        }
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    timer = setTimeout(poll, this.tuning.pollMs);
    return { topic, unsubscribe: () => sub.stop() };
  }

  /** Stops every poller of this connection (close). */
  stopAll(): void {
    for (const s of [...this.subscriptions]) s.stop();
  }
}
