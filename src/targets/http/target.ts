/**
 * The HTTP target: one request (method, path, headers, body) sent over a pool of keep-alive
 * connections sized to the load's concurrency, as a Workload any load model can drive. http:// goes
 * through swarmperf's own raw-socket client (raw-client.ts: prebuilt request bytes, framing-only
 * parser — as fast as autocannon); https:// goes through an undici Pool (TLS). A response outside
 * 2xx/3xx is an operation error with reason "HTTP <status>"; a connection failure is an error with
 * its code (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...). Every response body is read to the end, so
 * the connection is reused and the latency includes the whole response, as a client would see it.
 */
import { Pool, type Dispatcher } from 'undici';
import type { OperationCall, Workload } from '../../load/types.js';
import { RawHttpPool } from './raw-client.js';
import { buildRequestBuffer } from './request-bytes.js';
import { httpOperationName, type HttpRequestSpec } from './request-spec.js';
import { pinnedLookup } from './safety.js';
import { countNoResponse, countResponse, emptyStats, HttpStatusError, type HttpTargetStats } from './stats.js';

export { HttpStatusError, type HttpTargetStats } from './stats.js';

/** Methods a client may resend after a stale keep-alive connection (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

export interface HttpTargetOptions {
  /** Most connections the pool opens (opened lazily, as load needs them). */
  connections: number;
}

export class HttpTarget {
  readonly origin: string;
  readonly operation: string;
  /** Which client carries the requests: "raw" (http://) or "undici" (https://). */
  readonly client: 'raw' | 'undici';
  private readonly raw: RawHttpPool | null = null;
  private readonly pool: Pool | null = null;
  private readonly call: OperationCall;
  private readonly dispatchOptions: Dispatcher.DispatchOptions | null = null;
  private stats: HttpTargetStats = emptyStats();

  constructor(spec: HttpRequestSpec, options: HttpTargetOptions) {
    if (!(options.connections >= 1)) throw new Error('http target: connections must be at least 1');
    this.origin = spec.url.origin;
    this.operation = httpOperationName(spec);
    const timeoutMs = Math.max(1, Math.round(spec.timeoutUs / 1000));
    // Safe mode checked these addresses: connect to them, never to a second DNS answer.
    const lookup = spec.addresses ? pinnedLookup(spec.addresses) : undefined;
    if (spec.url.protocol === 'http:') {
      this.client = 'raw';
      this.raw = new RawHttpPool({
        host: spec.url.hostname.replace(/^\[|\]$/g, ''),
        port: spec.url.port === '' ? 80 : Number(spec.url.port),
        request: buildRequestBuffer(spec),
        head: spec.method === 'HEAD',
        idempotent: IDEMPOTENT.has(spec.method),
        connections: options.connections,
        timeoutMs,
        ...(lookup ? { lookup } : {}),
      });
    } else {
      this.client = 'undici';
      this.pool = new Pool(this.origin, {
        connections: options.connections,
        pipelining: 1,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connectTimeout: timeoutMs,
        ...(lookup ? { connect: { lookup } } : {}),
      });
      this.dispatchOptions = {
        origin: this.origin,
        path: spec.url.pathname + spec.url.search,
        method: spec.method as Dispatcher.HttpMethod,
        headers: spec.headers,
        ...(spec.body !== undefined ? { body: spec.body } : {}),
      };
    }
    // One call object for every iteration: the hot path allocates only the request's promise.
    this.call = { name: this.operation, run: () => this.request() };
  }

  /**
   * Sends the request once and reads the whole response; rejects on an error status. The stats
   * object current at send time is the one counted (a reset after warmup starts a new one, so a
   * warmup request finishing late is never counted in the measured window).
   */
  request(): Promise<void> {
    if (this.raw !== null) return this.raw.request(this.stats);
    return new Promise<void>((resolve, reject) => {
      (this.pool as Pool).dispatch(this.dispatchOptions as Dispatcher.DispatchOptions, new ResponseHandler(this.stats, resolve, reject));
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

  /** Most connections open at once (raw client; 0 where the client does not say). */
  get peakConnections(): number {
    return this.raw?.peakConnections ?? 0;
  }

  get currentStats(): HttpTargetStats {
    return this.stats;
  }

  /** Waits for requests in flight, then closes the connections. */
  async close(): Promise<void> {
    if (this.raw !== null) await this.raw.close();
    else await (this.pool as Pool).close();
  }

  /** Closes at once, failing what is in flight (for a second Ctrl-C or a hung target). */
  async destroy(): Promise<void> {
    if (this.raw !== null) await this.raw.destroy();
    else await (this.pool as Pool).destroy();
  }
}

/** undici (https://): receives one response, counts it and its bytes, then settles the request's promise. */
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
    countResponse(this.stats, this.status, this.bytes);
    if (this.status < 200 || this.status >= 400) this.reject(new HttpStatusError(this.status));
    else this.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    countNoResponse(this.stats);
    this.reject(error);
  }
}
