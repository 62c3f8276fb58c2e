/**
 * A Chrome DevTools Protocol client for one Node inspector: JSON commands over the inspector's
 * WebSocket (undici's WebSocket, already a dependency: Node 20 has no WebSocket client without a
 * flag). Only loopback: the address is always 127.0.0.1, whatever host the target advertises.
 */
import { WebSocket } from 'undici';

export interface CdpSession {
  /** Sends one command and resolves with its result (rejects with the inspector's error, or on timeout). */
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  close(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Connects to ws://127.0.0.1:<port>/<path> and resolves once the socket is open. */
export function connectCdp(port: number, path: string, connectTimeoutMs = 5_000): Promise<CdpSession> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closedWith: Error | undefined;
  const failAll = (err: Error): void => {
    closedWith ??= err;
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    pending.clear();
  };
  ws.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') return;
    let msg: { id?: number; result?: unknown; error?: { message?: string } };
    try {
      msg = JSON.parse(ev.data) as typeof msg;
    } catch {
      return;
    }
    // Events (no id) are not used here; replies settle their command.
    const p = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!p || msg.id === undefined) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error) p.reject(new Error(msg.error.message ?? 'inspector error'));
    else p.resolve(msg.result ?? {});
  });
  ws.addEventListener('close', () => failAll(new Error('the inspector closed the connection (did the process exit?)')));
  const session: CdpSession = {
    send<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<T> {
      if (closedWith) return Promise.reject(closedWith);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method}: no answer from the inspector within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    close() {
      failAll(new Error('session closed'));
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`no WebSocket connection to 127.0.0.1:${port} within ${connectTimeoutMs / 1000} s`));
    }, connectTimeoutMs);
    ws.addEventListener('open', () => {
      clearTimeout(timer);
      resolve(session);
    });
    ws.addEventListener('error', (ev) => {
      clearTimeout(timer);
      const cause = (ev as { error?: unknown }).error;
      reject(new Error(`WebSocket to 127.0.0.1:${port} failed${cause instanceof Error ? `: ${cause.message}` : ''}`));
    });
  });
}
