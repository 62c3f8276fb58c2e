/**
 * Redis MessageBus, two modes:
 *
 * - `streams` (default): one stream per topic. publish() is one script — INCR the topic's counter
 *   (the message's seq) and XADD it. Every subscriber is its own consumer group created at `$`
 *   (messages after subscribing), read with XREADGROUP BLOCK on a connection of its own and
 *   XACKed after its handler ran: each subscriber gets every message once, in order, and a
 *   subscriber that falls behind loses nothing (the stream keeps MAXLEN ~ 100 000 entries).
 * - `pubsub`: PUBLISH on a channel per topic; one subscriber connection per backend. Fire and
 *   forget: a subscriber that is disconnected or too slow (output buffer limit) loses messages.
 *   Losses are COUNTED (a gap in seq) in stats().busy['bus.lost'], never hidden.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { WallClockMs } from '../options.js';
import type { BusHandler, BusMessage, MessageBus, Subscription } from '../ports.js';
import type { RedisKeys } from './keys.js';
import { LuaScript } from './script.js';
import type { Counters } from '../remote/counters.js';

export type RedisBusMode = 'streams' | 'pubsub';

const STREAM_MAXLEN = 100_000;

// KEYS: counter, stream. ARGV: payload, now, maxlen.
const XPUBLISH = new LuaScript(`
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 's', seq, 'p', ARGV[1], 't', ARGV[2])
return seq`);

// KEYS: counter. ARGV: channel, payload, now. The message is seq \\n publishedAt \\n payload.
const PUBLISH = new LuaScript(`
local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], seq .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[2])
return seq`);

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

export class RedisMessageBus implements MessageBus {
  readonly semantics: string;
  private readonly active = new Set<{ stop(): Promise<void> }>();
  private subscriber: Redis | undefined;
  private readonly channelHandlers = new Map<string, Set<(m: BusMessage) => void>>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: WallClockMs,
    private readonly mode: RedisBusMode,
    private readonly counters: Counters,
    private readonly blockMs: number,
  ) {
    this.semantics =
      mode === 'streams'
        ? `cross-process; Redis Streams, one consumer group per subscriber: exactly once per subscriber, ordered per topic (dense seq); blocking reads; stream capped at ~${STREAM_MAXLEN} entries`
        : 'cross-process; Redis Pub/Sub: at most once, ordered per topic (dense seq); a disconnected or slow subscriber loses messages (counted as bus.lost)';
  }

  async publish(topic: string, payload: string): Promise<BusMessage> {
    const publishedAt = this.now();
    const text = String(payload);
    const seq =
      this.mode === 'streams'
        ? await XPUBLISH.run<number>(this.redis, [this.keys.busSeq(topic), this.keys.stream(topic)], [text, publishedAt, STREAM_MAXLEN])
        : await PUBLISH.run<number>(this.redis, [this.keys.busSeq(topic)], [this.keys.channel(topic), text, publishedAt]);
    return { seq: Number(seq), topic, payload: text, publishedAt };
  }

  subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    return this.mode === 'streams' ? this.subscribeStream(topic, handler) : this.subscribeChannel(topic, handler);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.active].map((s) => s.stop()));
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private async subscribeStream(topic: string, handler: BusHandler): Promise<Subscription> {
    const stream = this.keys.stream(topic);
    const group = `sub-${randomUUID()}`;
    await this.redis.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
    // XREADGROUP BLOCK holds its connection: each subscriber reads on a connection of its own.
    const reader = this.redis.duplicate();
    reader.on('error', () => this.counters.retry('bus.connection')); // reconnects by itself; counted, not printed
    let running = true;
    const loop = (async () => {
      while (running) {
        let reply: StreamReply;
        try {
          reply = (await reader.xreadgroup('GROUP', group, 'c', 'COUNT', 512, 'BLOCK', this.blockMs, 'STREAMS', stream, '>')) as StreamReply;
        } catch (err) {
          if (!running) break;
          this.counters.retry('bus.read');
          // reset() deleted the stream (and its groups): start again from the next message.
          if (err instanceof Error && err.message.startsWith('NOGROUP')) await this.redis.xgroup('CREATE', stream, group, '$', 'MKSTREAM').catch(() => {});
          else await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const entries = reply?.[0]?.[1] ?? [];
        for (const [, fields] of entries) {
          if (!running) break;
          handler(toMessage(topic, fields));
        }
        if (entries.length > 0 && running) await this.redis.xack(stream, group, ...entries.map(([id]) => id));
      }
    })();
    const sub = {
      stop: async (): Promise<void> => {
        if (!running) return;
        running = false;
        this.active.delete(sub);
        reader.disconnect(); // ends a pending BLOCK at once
        await loop;
        await this.redis.xgroup('DESTROY', stream, group).catch(() => {});
      },
    };
    this.active.add(sub);
    return { topic, unsubscribe: () => sub.stop() };
  }

  private async subscribeChannel(topic: string, handler: BusHandler): Promise<Subscription> {
    const channel = this.keys.channel(topic);
    if (!this.subscriber) {
      this.subscriber = this.redis.duplicate();
      this.subscriber.on('error', () => this.counters.retry('bus.connection'));
      this.subscriber.on('message', (ch: string, text: string) => {
        for (const h of this.channelHandlers.get(ch) ?? []) h(parsePubSub(topicOf(ch, this.keys.channel('')), text));
      });
    }
    let last = 0;
    const deliver = (m: BusMessage): void => {
      // A gap in seq is a message this subscriber never got: count it, never hide it.
      if (last > 0 && m.seq > last + 1) this.counters.fail('bus.lost', m.seq - last - 1);
      last = Math.max(last, m.seq);
      handler(m);
    };
    let set = this.channelHandlers.get(channel);
    if (!set) {
      this.channelHandlers.set(channel, (set = new Set()));
      await this.subscriber.subscribe(channel);
    }
    set.add(deliver);
    let running = true;
    const sub = {
      stop: async (): Promise<void> => {
        if (!running) return;
        running = false;
        this.active.delete(sub);
        const handlers = this.channelHandlers.get(channel);
        handlers?.delete(deliver);
        if (handlers && handlers.size === 0) {
          this.channelHandlers.delete(channel);
          await this.subscriber?.unsubscribe(channel).catch(() => {});
        }
      },
    };
    this.active.add(sub);
    return { topic, unsubscribe: () => sub.stop() };
  }
}

function toMessage(topic: string, fields: string[]): BusMessage {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
  return { seq: Number(f.s), topic, payload: f.p ?? '', publishedAt: Number(f.t) };
}

function topicOf(channel: string, channelPrefix: string): string {
  return channel.slice(channelPrefix.length);
}

function parsePubSub(topic: string, text: string): BusMessage {
  const a = text.indexOf('\n');
  const b = text.indexOf('\n', a + 1);
  return { seq: Number(text.slice(0, a)), publishedAt: Number(text.slice(a + 1, b)), topic, payload: text.slice(b + 1) };
}
