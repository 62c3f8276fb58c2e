/**
 * The HTTP target: one request (method, path, headers, body) sent over an undici Pool sized to the
 * load's concurrency, as a Workload any load model can drive. A response outside 2xx/3xx is an
 * operation error with reason "HTTP <status>"; a connection failure is an error with its code
 * (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, ...). Every response body is read to the end, so the
 * connection is reused and the latency includes the whole response, as a client would see it.
 */
import { Pool, type Dispatcher } from 'undici';
import type { OperationCall, Workload } from '../../load/types.js';
import { operationName, type HttpRequestSpec } from './request-spec.js';

export class HttpStatusError extends Error {
  readonly code: string;
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    this.code = `HTTP ${status}`;
  }
}

export interface HttpTargetOptions {
  /** Most connections the pool opens (opened lazily, as load needs them). */
  connections: number;
}

/** Counts the target itself keeps, to cross-check the recorder's (no request goes unaccounted). */
export interface HttpTargetStats {
  /** Requests that ended (response read, or failed). */
  completed: number;
  /** Responses by status class: "2xx", "3xx", "4xx", "5xx", "1xx". */
  statusClasses: Record<string, number>;
  /** Requests that got no response (connection refused, reset, timeout). */
  failedWithoutResponse: number;
  bytesReceived: number;
}

export class HttpTarget {
  readonly origin: string;
  readonly operation: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly call: OperationCall;
  private readonly dispatchOptions: Dispatcher.DispatchOptions;
  private stats: HttpTargetStats = emptyStats();

  constructor(
    private readonly spec: HttpRequestSpec,
    options: HttpTargetOptions,
  ) {
    if (!(options.connections >= 1)) throw new Error('http target: connections must be at least 1');
    this.origin = spec.url.origin;
    this.path = spec.url.pathname + spec.url.search;
    this.operation = operationName(spec);
    const timeoutMs = Math.max(1, Math.round(spec.timeoutUs / 1000));
    this.pool = new Pool(this.origin, {
      connections: options.connections,
      pipelining: 1,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connectTimeout: timeoutMs,
    });
    this.dispatchOptions = {
      origin: this.origin,
      path: this.path,
      method: spec.method as Dispatcher.HttpMethod,
      headers: spec.headers,
      ...(spec.body !== undefined ? { body: spec.body } : {}),
    };
    // One call object for every iteration: the hot path allocates only the response handler.
    this.call = { name: this.operation, run: () => this.request() };
  }

  /**
   * Sends the request once and reads the whole response; rejects on an error status. Uses undici's
   * dispatch API with a small handler rather than request(): no Readable stream or async iterator
   * per response, which is most of what a load generator would otherwise spend per request.
   */
  request(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pool.dispatch(this.dispatchOptions, new ResponseHandler(this.stats, resolve, reject));
    });
  }

  workload(): Workload {
    const call = this.call;
    return { next: () => call };
  }

  /** Starts a fresh count (e.g. after warmup) and returns the previous one. */
  resetStats(): HttpTargetStats {
    const s = this.stats;
    this.stats = emptyStats();
    return s;
  }

  get currentStats(): HttpTargetStats {
    return this.stats;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Closes at once, failing what is in flight (for a second Ctrl-C or a hung target). */
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Receives one response: counts it and its bytes, then settles the request's promise. */
class ResponseHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private bytes = 0;

  constructor(
    // The stats object current when the request was sent: a reset after warmup starts a new one,
    // so a warmup request finishing late is never counted in the measured window.
    private readonly stats: HttpTargetStats,
    private readonly resolve: () => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length;
  }

  onResponseEnd(): void {
    const stats = this.stats;
    stats.completed++;
    stats.bytesReceived += this.bytes;
    const cls = `${Math.floor(this.status / 100)}xx`;
    stats.statusClasses[cls] = (stats.statusClasses[cls] ?? 0) + 1;
    if (this.status < 200 || this.status >= 400) this.reject(new HttpStatusError(this.status));
    else this.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.stats.completed++;
    this.stats.failedWithoutResponse++;
    this.reject(error);
  }
}

function emptyStats(): HttpTargetStats {
  return { completed: 0, statusClasses: {}, failedWithoutResponse: 0, bytesReceived: 0 };
}
