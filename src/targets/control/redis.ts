/** The control channel on Redis pub/sub: one connection publishes, one subscribes (Redis requires two). */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis } from '../redis/connect.js';
import type { ControlChannel, ControlHandler } from './types.js';
import { encodeFrames, FrameJoiner } from './framing.js';

/** Redis takes messages up to 512 MB; frames stay far below so one report never blocks the server long. */
const MAX_FRAME_CHARS = 8 * 1024 * 1024;

export async function openRedisChannel(url: string, connectTimeoutMs: number): Promise<ControlChannel> {
  const pub = await connectRedis(url, connectTimeoutMs);
  let sub: Redis;
  try {
    sub = await connectRedis(url, connectTimeoutMs);
  } catch (err) {
    pub.disconnect();
    throw err;
  }
  const handlers = new Map<string, Set<(frame: string) => void>>();
  sub.on('message', (channel: string, frame: string) => {
    for (const h of handlers.get(channel) ?? []) h(frame);
  });
  let seq = 0;
  const prefix = randomBytes(4).toString('hex');
  let closed = false;
  return {
    url,
    publish(subject, message) {
      if (closed) return;
      for (const frame of encodeFrames(message, MAX_FRAME_CHARS, () => `${prefix}${(seq++).toString(36)}`)) void pub.publish(subject, frame).catch(() => {});
    },
    async subscribe(subject, handler: ControlHandler) {
      const joiner = new FrameJoiner();
      const onFrame = (frame: string): void => {
        const done = joiner.accept(frame);
        if (done) handler(done.message);
      };
      let set = handlers.get(subject);
      if (!set) handlers.set(subject, (set = new Set()));
      set.add(onFrame);
      await sub.subscribe(subject);
      return () => {
        set.delete(onFrame);
        if (set.size === 0) {
          handlers.delete(subject);
          void sub.unsubscribe(subject).catch(() => {});
        }
      };
    },
    async flush() {
      // Commands on one connection run in order: a PING answered means every publish before it was.
      await pub.ping();
    },
    async close() {
      closed = true;
      await Promise.all([pub.quit().catch(() => pub.disconnect()), sub.quit().catch(() => sub.disconnect())]);
    },
  };
}
