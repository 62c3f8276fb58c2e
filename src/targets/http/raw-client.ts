/**
 * The connection pool of a small, fast HTTP/1.1 client for load generation over plain TCP: one
 * keep-alive net.Socket per connection, one request in flight per connection (no pipelining), the
 * request prebuilt once as a Buffer (request-bytes.ts) and written with a single socket.write, and
 * an incremental response parser that only frames responses (response-parser.ts). This is what
 * autocannon and wrk do; going through a general client (undici) cost about three quarters of the
 * throughput on a 2-core box.
 */
import { connect, type LookupFunction, type Socket } from 'node:net';
import { HttpConnectionError, HttpParseError, ResponseParser } from './response-parser.js';
import { countNoResponse, countResponse, HttpStatusError, type HttpTargetStats } from './stats.js';

// The client's parts, for importers of this module.
export { buildRequestBuffer } from './request-bytes.js';
export { HttpConnectionError, HttpParseError, MAX_HEAD_BYTES, ResponseParser, type ResponseCallback } from './response-parser.js';
export { countNoResponse, countResponse, HttpStatusError } from './stats.js';

export interface RawHttpPoolOptions {
  host: string;
  port: number;
  /** The request to send, whole (see buildRequestBuffer). */
  request: Buffer;
  /** The request is HEAD: responses carry no body. */
  head: boolean;
  /** The method is idempotent: a request lost on a stale keep-alive connection may be resent once. */
  idempotent: boolean;
  /** Most connections opened (lazily, as requests need them). */
  connections: number;
  /** A request fails with ETIMEDOUT after this long without progress (connect, send, or any byte received). */
  timeoutMs: number;
  /** Resolves the host at connect time (safe mode pins the checked addresses); default: DNS. */
  lookup?: LookupFunction;
}

type Resolve = () => void;
type Reject = (err: unknown) => void;

interface Waiting {
  resolve: Resolve;
  reject: Reject;
  stats: HttpTargetStats;
  retried: boolean;
}

/** Timeout sweeps per timeout period: a stalled request fails after 1.0–1.1 × the timeout. */
const SWEEPS_PER_TIMEOUT = 10;

class Connection {
  readonly socket: Socket;
  readonly parser: ResponseParser;
  busy = false;
  /** Gone (closed or closing): never handed a request again. */
  dead = false;
  /** At least one response has been read on this connection (so it may have gone stale). */
  reused = false;
  /** Still connecting (the pool opens one connection at a time). */
  connecting = true;
  /** Some byte of the current response has arrived. */
  gotBytes = false;
  /** Progress counter for the timeout sweep: bumped on send and on every read. */
  progress = 0;
  seenProgress = -1;
  stalledSweeps = 0;
  private resolve: Resolve | null = null;
  private reject: Reject | null = null;
  private stats: HttpTargetStats | null = null;
  private retried = false;
  private failure: Error | null = null;
  // The response the parser just completed, settled once the read that completed it is consumed.
  private done = false;
  private doneStatus = 0;
  private doneBytes = 0;
  private doneKeepAlive = false;

  constructor(private readonly pool: RawHttpPool) {
    this.parser = new ResponseParser((status, bodyBytes, keepAlive) => {
      this.done = true;
      this.doneStatus = status;
      this.doneBytes = bodyBytes;
      this.doneKeepAlive = keepAlive;
    });
    this.parser.headRequest = pool.options.head;
    this.socket = connect({
      host: pool.options.host,
      port: pool.options.port,
      noDelay: true,
      ...(pool.options.lookup ? { lookup: pool.options.lookup } : {}),
    });
    // ('data' events, not net's `onread` with a reused buffer: onread saves an allocation per
    // read but measured ~30 % fewer requests/s here — the socket sat idle between reads.)
    this.socket.once('connect', () => pool.connected(this));
    this.socket.on('data', (chunk: Buffer) => this.onRead(chunk));
    this.socket.on('error', (err: Error) => {
      this.failure ??= err;
    });
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onClose());
  }

  send(resolve: Resolve, reject: Reject, stats: HttpTargetStats, retried: boolean): void {
    this.resolve = resolve;
    this.reject = reject;
    this.stats = stats;
    this.retried = retried;
    this.busy = true;
    this.gotBytes = false;
    this.progress++;
    this.socket.write(this.pool.options.request);
  }

  /** Fails the request in flight (if any) with `err` and drops the connection. */
  abort(err: Error): void {
    this.failure ??= err;
    this.dead = true;
    this.socket.destroy();
  }

  private onRead(buf: Buffer): void {
    this.progress++;
    this.gotBytes = true;
    let at: number;
    try {
      at = this.parser.execute(buf);
    } catch (err) {
      this.abort(err as Error);
      return;
    }
    if (!this.done) return;
    // With one request in flight, bytes after a complete response answer nothing we asked: the
    // response stands, the connection is no longer trusted.
    this.settle(at === buf.length);
  }

  /** Counts and settles the completed response; the connection stays only if `reusable`. */
  private settle(reusable: boolean): void {
    this.done = false;
    const resolve = this.resolve;
    const reject = this.reject;
    const stats = this.stats;
    const status = this.doneStatus;
    if (!this.busy || resolve === null || reject === null || stats === null) {
      this.abort(new HttpParseError('HPE_UNSOLICITED', `a ${status} response arrived with no request in flight`));
      return;
    }
    this.busy = false;
    this.reused = true;
    this.resolve = this.reject = null;
    this.stats = null;
    countResponse(stats, status, this.doneBytes);
    if (this.doneKeepAlive && reusable && !this.dead) this.pool.release(this);
    else {
      this.dead = true;
      this.socket.destroy();
    }
    if (status >= 400) reject(new HttpStatusError(status));
    else resolve();
  }

  private onEnd(): void {
    // The server is done with this connection: never hand it another request.
    this.dead = true;
    if (this.busy) {
      try {
        // Completes a response whose body runs until close; throws if one was cut short.
        if (this.parser.finish()) this.settle(false);
      } catch (err) {
        this.failure ??= err as Error;
      }
    }
    this.socket.destroy();
  }

  private onClose(): void {
    this.dead = true;
    if (this.busy) {
      const resolve = this.resolve as Resolve;
      const reject = this.reject as Reject;
      const stats = this.stats as HttpTargetStats;
      this.busy = false;
      this.resolve = this.reject = null;
      this.stats = null;
      const err = this.failure ?? new HttpConnectionError('ECONNRESET', 'socket hang up: the connection closed before the response ended');
      const code = (err as { code?: unknown }).code;
      // A keep-alive connection the server closed while it sat idle: the request met a closed
      // door and was never read. Browsers resend in this case; do it once, idempotent methods only.
      if (this.reused && !this.gotBytes && !this.retried && this.pool.options.idempotent && (code === 'ECONNRESET' || code === 'EPIPE')) {
        this.pool.dispatch(resolve, reject, stats, true);
      } else {
        countNoResponse(stats);
        reject(err);
      }
    }
    this.pool.forget(this);
  }
}

/**
 * Up to `connections` keep-alive connections to one origin. A request goes to an idle connection,
 * else to a new one while under the cap, else waits in FIFO order for the next free connection.
 *
 * The pool grows only while requests in flight need more connections AND the server is answering:
 * the first request opens the first connection; after that, a request that finds no idle
 * connection waits in the queue, and each response that completes while requests still wait opens
 * one more connection (one connecting at a time). A burst of arrivals (an open loop waking late, a
 * GC pause) or a server that stalls therefore no longer opens a connection per waiting request —
 * connections that could not be served any sooner — while a server that keeps up with more
 * concurrency gets it within a few round trips (each completion adds one, like TCP slow start).
 */
export class RawHttpPool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Waiting[] = [];
  private queueHead = 0;
  private sweeper: NodeJS.Timeout | null = null;
  private closing = false;
  private destroyed = false;
  private onDrained: (() => void) | null = null;
  private onEmpty: (() => void) | null = null;
  private nextStats: HttpTargetStats | null = null;
  private peak = 0;
  /** Connections opened and not yet connected (0 or 1 but for replacements of failed ones). */
  private connectingCount = 0;
  /** A response completed since the last connection was opened. */
  private answeredSinceGrowth = false;
  private readonly executor = (resolve: Resolve, reject: Reject): void => this.dispatch(resolve, reject, this.nextStats as HttpTargetStats, false);

  constructor(readonly options: RawHttpPoolOptions) {
    if (!(options.connections >= 1)) throw new Error('raw http pool: connections must be at least 1');
    if (!(options.timeoutMs > 0)) throw new Error('raw http pool: timeoutMs must be positive');
  }

  /** Sends the request once; resolves when the whole response was read with a 2xx/3xx status. */
  request(stats: HttpTargetStats): Promise<void> {
    this.nextStats = stats;
    return new Promise<void>(this.executor);
  }

  /** Open connections (for tests and diagnostics). */
  get openConnections(): number {
    return this.all.size;
  }

  /** Most connections open at once so far. */
  get peakConnections(): number {
    return this.peak;
  }

  dispatch(resolve: Resolve, reject: Reject, stats: HttpTargetStats, retried: boolean): void {
    if (this.destroyed || (this.closing && !retried)) {
      countNoResponse(stats);
      reject(new HttpConnectionError(this.destroyed ? 'EDESTROYED' : 'ECLOSED', 'the HTTP target was closed'));
      return;
    }
    let conn = this.idle.pop();
    while (conn !== undefined && conn.dead) conn = this.idle.pop();
    if (conn === undefined && (this.all.size === 0 || this.mayGrow())) conn = this.open();
    if (conn !== undefined) conn.send(resolve, reject, stats, retried);
    else this.queue.push({ resolve, reject, stats, retried });
  }

  /** A connection finished connecting. */
  connected(conn: Connection): void {
    if (!conn.connecting) return;
    conn.connecting = false;
    this.connectingCount--;
  }

  /** A connection finished a response and stays open: give it the next waiting request, or park it. */
  release(conn: Connection): void {
    this.answeredSinceGrowth = true;
    const next = this.dequeue();
    if (next !== undefined) {
      conn.send(next.resolve, next.reject, next.stats, next.retried);
      this.growIfWaiting();
      return;
    }
    this.idle.push(conn);
    if (this.onDrained !== null && this.idle.length === this.all.size) this.onDrained();
  }

  /**
   * One more connection is allowed when a response completed since the last one was opened (the
   * server is answering: a stalled server gets no more connections than it had), none is still
   * connecting, and the cap is not reached.
   */
  private mayGrow(): boolean {
    return this.answeredSinceGrowth && this.connectingCount === 0 && this.all.size < this.options.connections && !this.closing && !this.destroyed;
  }

  /** Requests still wait after a connection took one: open one more connection if allowed. */
  private growIfWaiting(): void {
    if (this.queueHead >= this.queue.length || !this.mayGrow()) return;
    const next = this.dequeue() as Waiting;
    this.open().send(next.resolve, next.reject, next.stats, next.retried);
  }

  /** A connection closed: drop it, and open a replacement if requests are waiting. */
  forget(conn: Connection): void {
    if (conn.connecting) {
      conn.connecting = false;
      this.connectingCount--;
    }
    this.all.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.queueHead < this.queue.length && !this.destroyed) {
      const next = this.dequeue() as Waiting;
      this.open().send(next.resolve, next.reject, next.stats, next.retried);
    }
    if (this.all.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
    if (this.onDrained !== null && this.idle.length === this.all.size && this.queueHead >= this.queue.length) this.onDrained();
    if (this.onEmpty !== null && this.all.size === 0) this.onEmpty();
  }

  /** Waits for every request to finish, then closes the connections. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.idle.length !== this.all.size || this.queueHead < this.queue.length) {
      await new Promise<void>((resolve) => (this.onDrained = resolve));
      this.onDrained = null;
    }
    await this.closeAll();
  }

  /** Closes at once; requests in flight or waiting fail with EDESTROYED. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    const err = new HttpConnectionError('EDESTROYED', 'the HTTP target was destroyed while the request was in flight');
    while (this.queueHead < this.queue.length) {
      const w = this.dequeue() as Waiting;
      countNoResponse(w.stats);
      w.reject(err);
    }
    for (const conn of this.all) conn.abort(err);
    await this.closeAll();
  }

  private async closeAll(): Promise<void> {
    if (this.all.size === 0) return;
    const empty = new Promise<void>((resolve) => (this.onEmpty = resolve));
    for (const conn of this.all) {
      conn.dead = true;
      conn.socket.destroy();
    }
    await empty;
    this.onEmpty = null;
  }

  private dequeue(): Waiting | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const w = this.queue[this.queueHead++];
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return w;
  }

  private open(): Connection {
    const conn = new Connection(this);
    this.all.add(conn);
    this.connectingCount++;
    this.answeredSinceGrowth = false;
    if (this.all.size > this.peak) this.peak = this.all.size;
    if (this.sweeper === null) {
      const period = Math.max(1, Math.floor(this.options.timeoutMs / SWEEPS_PER_TIMEOUT));
      this.sweeper = setInterval(() => this.sweep(), period);
      this.sweeper.unref();
    }
    return conn;
  }

  /**
   * Timeouts without a timer per request: a busy connection whose progress counter has not moved
   * for SWEEPS_PER_TIMEOUT sweeps (the whole timeout) fails with ETIMEDOUT. Costs nothing per request.
   */
  private sweep(): void {
    for (const conn of this.all) {
      if (!conn.busy) {
        conn.stalledSweeps = 0;
        continue;
      }
      if (conn.progress !== conn.seenProgress) {
        conn.seenProgress = conn.progress;
        conn.stalledSweeps = 0;
      } else if (++conn.stalledSweeps >= SWEEPS_PER_TIMEOUT) {
        conn.abort(new HttpConnectionError('ETIMEDOUT', `no response progress for ${this.options.timeoutMs} ms`));
      }
    }
  }
}
