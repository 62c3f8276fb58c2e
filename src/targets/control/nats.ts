/** The control channel on NATS core subjects (no JetStream: control messages need no history). */
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ServerUnreachableError } from '../remote/spec.js';
import type { ControlChannel, ControlHandler } from './types.js';
import { encodeFrames, FrameJoiner } from './framing.js';

export async function openNatsChannel(url: string, connectTimeoutMs: number): Promise<ControlChannel> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: url, timeout: connectTimeoutMs, maxReconnectAttempts: -1 });
  } catch (err) {
    throw new ServerUnreachableError('nats', url, err);
  }
  // max_payload is in bytes; a JSON character takes up to 3 bytes in UTF-8.
  const maxFrameChars = Math.max(1024, Math.floor((nc.info?.max_payload ?? 1024 * 1024) / 3));
  let seq = 0;
  const prefix = randomBytes(4).toString('hex');
  return {
    url,
    publish(subject, message) {
      if (nc.isClosed()) return;
      for (const frame of encodeFrames(message, maxFrameChars, () => `${prefix}${(seq++).toString(36)}`)) nc.publish(subject, frame);
    },
    async subscribe(subject, handler: ControlHandler) {
      const joiner = new FrameJoiner();
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          const done = joiner.accept(msg.string());
          if (done) handler(done.message);
        },
      });
      await nc.flush();
      return () => sub.unsubscribe();
    },
    flush: () => nc.flush(),
    async close() {
      await nc.drain().catch(() => nc.close());
    },
  };
}
