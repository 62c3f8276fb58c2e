/** One Redis connection, connected before it is handed out (the backend and the control channel share this). */
import { Redis } from 'ioredis';
import { ServerUnreachableError } from '../remote/spec.js';

export async function connectRedis(url: string, connectTimeoutMs: number): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: connectTimeoutMs, maxRetriesPerRequest: 20 });
  // The client reconnects forever by default; before the first connection, fail fast instead.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new ServerUnreachableError('redis', url, err);
  }
  return redis;
}
