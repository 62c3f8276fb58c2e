/**
 * What both HTTP clients (the raw one and undici) count per request, so the target can
 * cross-check the recorder's figures; apart from the clients so neither imports the target.
 */

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

export function emptyStats(): HttpTargetStats {
  return { completed: 0, statusClasses: {}, failedWithoutResponse: 0, bytesReceived: 0 };
}

const STATUS_CLASS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', '6xx', '7xx', '8xx', '9xx'];

/** Counts a request that ended with a response read to its end (either client). */
export function countResponse(stats: HttpTargetStats, status: number, bodyBytes: number): void {
  stats.completed++;
  stats.bytesReceived += bodyBytes;
  const cls = STATUS_CLASS[(status / 100) | 0] as string;
  stats.statusClasses[cls] = (stats.statusClasses[cls] ?? 0) + 1;
}

/** Counts a request that ended without a response (refused, reset, timed out, closed). */
export function countNoResponse(stats: HttpTargetStats): void {
  stats.completed++;
  stats.failedWithoutResponse++;
}

/** A response outside 2xx/3xx: an operation error whose reason is "HTTP <status>". */
export class HttpStatusError extends Error {
  readonly code: string;
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    this.code = `HTTP ${status}`;
  }
}
