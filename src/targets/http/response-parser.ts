/**
 * Response parsing for the raw HTTP client: an incremental HTTP/1.x parser that only frames
 * responses (status, Content-Length / chunked / until-close, Connection) — the body is counted
 * and skipped, never copied.
 */

/** A response that is not valid HTTP/1.x framing; `code` follows llhttp's names (HPE_*). */
export class HttpParseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`malformed response: ${message}`);
  }
}

/** A request that failed without a (complete) response; `code` is the reason results record. */
export class HttpConnectionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// Parser states.
const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_UNTIL_CLOSE = 2;
const CHUNK_SIZE = 3;
const CHUNK_SIZE_WS = 4;
const CHUNK_EXT = 5;
const CHUNK_SIZE_LF = 6;
const CHUNK_DATA = 7;
const CHUNK_DATA_CR = 8;
const CHUNK_DATA_LF = 9;
const TRAILER_LINE_START = 10;
const TRAILER_LINE = 11;
const TRAILER_END_LF = 12;
const FAILED = 13;

const CR = 13;
const LF = 10;
const END_OF_HEAD = Buffer.from('\r\n\r\n', 'latin1');
/** Largest response head accepted (Node's and undici's default is 16 KiB; be a little lenient). */
export const MAX_HEAD_BYTES = 64 * 1024;
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
const CONNECTION = Buffer.from('connection', 'latin1');
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');

/** Called once per final (non-1xx) response when its last byte has been read. */
export type ResponseCallback = (status: number, bodyBytes: number, keepAlive: boolean) => void;

/**
 * Incremental HTTP/1.x response framing. `execute` takes bytes as they arrive, in any split, and
 * stops right after each complete response (so the caller can tell coalesced extra bytes apart).
 * 1xx interim responses (100 Continue, 103 Early Hints) are skipped. Throws HttpParseError on bad
 * framing; the parser is unusable afterwards (the connection must be dropped).
 */
export class ResponseParser {
  /** True when the request was HEAD: the response has headers only, whatever they announce. */
  headRequest = false;
  private state = HEAD;
  /** Bytes of a response head split across reads (null when none is pending). */
  private pending: Buffer | null = null;
  private status = 0;
  private keepAlive = true;
  private remaining = 0;
  private bodyBytes = 0;
  private chunkDigits = 0;

  constructor(private readonly onResponse: ResponseCallback) {}

  /** True between responses: no byte of a response has been seen yet. */
  get idle(): boolean {
    return this.state === HEAD && this.pending === null;
  }

  /** True when the response in progress ends only when the server closes the connection. */
  get readsUntilClose(): boolean {
    return this.state === BODY_UNTIL_CLOSE;
  }

  /**
   * Parses buf[start, end). Returns the offset where it stopped: `end`, or just after a response
   * that completed (its callback has run) when more bytes follow.
   */
  execute(buf: Buffer, start = 0, end = buf.length): number {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case HEAD: {
          i = this.readHead(buf, i, end);
          if (this.state === HEAD) {
            // readHead consumed everything (partial head kept) or skipped a 1xx response.
            continue;
          }
          if (this.isComplete()) return this.complete(i);
          continue;
        }
        case BODY_LENGTH: {
          const n = Math.min(this.remaining, end - i);
          i += n;
          this.remaining -= n;
          this.bodyBytes += n;
          if (this.remaining === 0) return this.complete(i);
          continue;
        }
        case BODY_UNTIL_CLOSE:
          this.bodyBytes += end - i;
          return end;
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, end - i);
          i += n;
          this.remaining -= n;
          this.bodyBytes += n;
          if (this.remaining === 0) this.state = CHUNK_DATA_CR;
          continue;
        }
        case FAILED:
          throw new HttpParseError('HPE_CLOSED_CONNECTION', 'data after a framing error');
        default: {
          // Chunk framing, byte by byte (a few bytes per chunk).
          const done = this.chunkByte(buf[i] as number);
          i++;
          if (done) return this.complete(i);
        }
      }
    }
    return i;
  }

  /**
   * The connection ended (EOF). Returns true when that completed a response read until close;
   * throws when a response was cut short; false when nothing was in progress.
   */
  finish(): boolean {
    if (this.state === BODY_UNTIL_CLOSE) {
      this.complete(0);
      return true;
    }
    if (this.idle) return false;
    this.state = FAILED;
    throw new HttpConnectionError('ECONNRESET', 'socket hang up: the server closed the connection before the response ended');
  }

  /** Forget any partial response (after the connection it belonged to is gone). */
  reset(): void {
    this.state = HEAD;
    this.pending = null;
  }

  private isComplete(): boolean {
    return this.state === BODY_LENGTH && this.remaining === 0;
  }

  private complete(offset: number): number {
    const { status, bodyBytes, keepAlive } = this;
    this.state = HEAD;
    this.bodyBytes = 0;
    this.onResponse(status, bodyBytes, keepAlive);
    return offset;
  }

  private fail(code: string, message: string): never {
    this.state = FAILED;
    this.pending = null;
    throw new HttpParseError(code, message);
  }

  /** Finds the end of the head, copying a split head until it is whole; returns the new offset. */
  private readHead(buf: Buffer, start: number, end: number): number {
    if (this.pending === null) {
      const at = buf.indexOf(END_OF_HEAD, start);
      // (buf may be a read buffer longer than `end`: a match past `end` is stale bytes.)
      if (at < 0 || at + 4 > end) {
        if (end - start > MAX_HEAD_BYTES) this.fail('HPE_HEADER_OVERFLOW', `response head longer than ${MAX_HEAD_BYTES} bytes`);
        this.pending = Buffer.from(buf.subarray(start, end));
        return end;
      }
      if (at + 4 - start > MAX_HEAD_BYTES) this.fail('HPE_HEADER_OVERFLOW', `response head longer than ${MAX_HEAD_BYTES} bytes`);
      this.parseHead(buf, start, at);
      return at + 4;
    }
    // Rare path: the head was split across reads. Join, and search again from just before the seam.
    const before = this.pending.length;
    const joined = Buffer.concat([this.pending, buf.subarray(start, end)]);
    const at = joined.indexOf(END_OF_HEAD, Math.max(0, before - 3));
    if (at < 0) {
      if (joined.length > MAX_HEAD_BYTES) this.fail('HPE_HEADER_OVERFLOW', `response head longer than ${MAX_HEAD_BYTES} bytes`);
      this.pending = joined;
      return end;
    }
    if (at + 4 > MAX_HEAD_BYTES) this.fail('HPE_HEADER_OVERFLOW', `response head longer than ${MAX_HEAD_BYTES} bytes`);
    this.pending = null;
    this.parseHead(joined, 0, at);
    // Bytes of this read that belonged to the head.
    return start + (at + 4 - before);
  }

  /** Parses status line and headers in head[from, at) (at = index of the final CRLFCRLF). */
  private parseHead(h: Buffer, from: number, at: number): void {
    // "HTTP/1.x SSS reason"
    if (
      at - from < 12 ||
      h[from] !== 0x48 || h[from + 1] !== 0x54 || h[from + 2] !== 0x54 || h[from + 3] !== 0x50 ||
      h[from + 4] !== 0x2f || h[from + 5] !== 0x31 || h[from + 6] !== 0x2e
    ) {
      this.fail('HPE_INVALID_CONSTANT', `expected "HTTP/1.x", got ${JSON.stringify(h.toString('latin1', from, Math.min(at, from + 16)))}`);
    }
    const minor = (h[from + 7] as number) - 0x30;
    const d0 = (h[from + 9] as number) - 0x30;
    const d1 = (h[from + 10] as number) - 0x30;
    const d2 = (h[from + 11] as number) - 0x30;
    if (minor < 0 || minor > 9 || h[from + 8] !== 0x20 || d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || (at - from > 12 && h[from + 12] !== 0x20 && h[from + 12] !== CR)) {
      this.fail('HPE_INVALID_STATUS', `bad status line ${JSON.stringify(h.toString('latin1', from, Math.min(at, from + 40)))}`);
    }
    const status = d0 * 100 + d1 * 10 + d2;
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let connClose = false;
    let connKeepAlive = false;

    let line = h.indexOf(LF, from) + 1;
    const stop = at + 2; // the final header line's CRLF ends at at+2
    while (line > 0 && line < stop) {
      let eol = h.indexOf(LF, line);
      if (eol < 0 || eol > stop) eol = stop - 1;
      const lineEnd = h[eol - 1] === CR ? eol - 1 : eol;
      const first = h[line] as number;
      if (first === 0x20 || first === 0x09) {
        // Obsolete line folding: a continuation of the previous header's value; nothing we read.
        line = eol + 1;
        continue;
      }
      const colon = h.indexOf(0x3a, line);
      if (colon < 0 || colon >= lineEnd || colon === line) this.fail('HPE_INVALID_HEADER_TOKEN', `header line without a name: ${JSON.stringify(h.toString('latin1', line, lineEnd))}`);
      const nameLen = colon - line;
      // Value without optional whitespace around it.
      let vs = colon + 1;
      let ve = lineEnd;
      while (vs < ve && (h[vs] === 0x20 || h[vs] === 0x09)) vs++;
      while (ve > vs && (h[ve - 1] === 0x20 || h[ve - 1] === 0x09)) ve--;
      if (nameLen === 14 && equalsLower(h, line, CONTENT_LENGTH)) {
        const n = parseContentLength(h, vs, ve);
        if (n < 0) this.fail('HPE_INVALID_CONTENT_LENGTH', `Content-Length ${JSON.stringify(h.toString('latin1', vs, ve))}`);
        if (contentLength >= 0 && contentLength !== n) this.fail('HPE_UNEXPECTED_CONTENT_LENGTH', `two different Content-Length values (${contentLength}, ${n})`);
        contentLength = n;
      } else if (nameLen === 17 && equalsLower(h, line, TRANSFER_ENCODING)) {
        transferEncoding = true;
        // The final coding decides the framing: "gzip, chunked" is chunked, "chunked, gzip" is not.
        const codings = h.toString('latin1', vs, ve).toLowerCase().split(',');
        chunked = codings[codings.length - 1]!.trim() === 'chunked';
      } else if (nameLen === 10 && equalsLower(h, line, CONNECTION)) {
        if (ve - vs === 10 && equalsLower(h, vs, KEEP_ALIVE)) connKeepAlive = true;
        else if (ve - vs === 5 && equalsLower(h, vs, CLOSE)) connClose = true;
        else {
          for (const token of h.toString('latin1', vs, ve).toLowerCase().split(',')) {
            const t = token.trim();
            if (t === 'close') connClose = true;
            else if (t === 'keep-alive') connKeepAlive = true;
          }
        }
      }
      line = eol + 1;
    }

    this.status = status;
    this.bodyBytes = 0;
    this.keepAlive = !connClose && (minor >= 1 || connKeepAlive);
    if (status < 200) {
      // 1xx interim response: skip it; the final response follows on the same connection.
      if (status === 101) this.fail('HPE_UNEXPECTED_UPGRADE', 'the server switched protocols (101) for a request that did not ask to');
      this.state = HEAD;
      return;
    }
    if (this.headRequest || status === 204 || status === 304) {
      this.state = BODY_LENGTH;
      this.remaining = 0;
    } else if (transferEncoding) {
      // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; a non-chunked final coding
      // means the body runs until the server closes.
      if (chunked) {
        this.state = CHUNK_SIZE;
        this.remaining = 0;
        this.chunkDigits = 0;
        if (contentLength >= 0) this.keepAlive = false;
      } else {
        this.state = BODY_UNTIL_CLOSE;
        this.keepAlive = false;
      }
    } else if (contentLength >= 0) {
      this.state = BODY_LENGTH;
      this.remaining = contentLength;
    } else {
      this.state = BODY_UNTIL_CLOSE;
      this.keepAlive = false;
    }
  }

  /** One byte of chunk framing; returns true when the last chunk and trailers ended the response. */
  private chunkByte(c: number): boolean {
    switch (this.state) {
      case CHUNK_SIZE: {
        const v = hexValue(c);
        if (v >= 0) {
          if (++this.chunkDigits > 12) this.fail('HPE_INVALID_CHUNK_SIZE', 'chunk size too large');
          this.remaining = this.remaining * 16 + v;
        } else if (this.chunkDigits === 0) {
          this.fail('HPE_INVALID_CHUNK_SIZE', `expected a hex chunk size, got byte ${c}`);
        } else if (c === CR) this.state = CHUNK_SIZE_LF;
        else if (c === 0x3b) this.state = CHUNK_EXT;
        else if (c === 0x20 || c === 0x09) this.state = CHUNK_SIZE_WS;
        else this.fail('HPE_INVALID_CHUNK_SIZE', `unexpected byte ${c} after the chunk size`);
        return false;
      }
      case CHUNK_SIZE_WS:
        if (c === CR) this.state = CHUNK_SIZE_LF;
        else if (c === 0x3b) this.state = CHUNK_EXT;
        else if (c !== 0x20 && c !== 0x09) this.fail('HPE_INVALID_CHUNK_SIZE', `unexpected byte ${c} after the chunk size`);
        return false;
      case CHUNK_EXT:
        // Chunk extensions (";name=value") carry nothing we use; skip to the end of the line.
        if (c === CR) this.state = CHUNK_SIZE_LF;
        return false;
      case CHUNK_SIZE_LF:
        if (c !== LF) this.fail('HPE_STRICT', 'chunk size line not ended by CRLF');
        if (this.remaining === 0) this.state = TRAILER_LINE_START;
        else this.state = CHUNK_DATA;
        return false;
      case CHUNK_DATA_CR:
        if (c !== CR) this.fail('HPE_STRICT', 'chunk data longer than its size (no CRLF after it)');
        this.state = CHUNK_DATA_LF;
        return false;
      case CHUNK_DATA_LF:
        if (c !== LF) this.fail('HPE_STRICT', 'chunk data not followed by CRLF');
        this.state = CHUNK_SIZE;
        this.remaining = 0;
        this.chunkDigits = 0;
        return false;
      case TRAILER_LINE_START:
        if (c === CR) this.state = TRAILER_END_LF;
        else if (c === LF) return true;
        else this.state = TRAILER_LINE;
        return false;
      case TRAILER_LINE:
        // A trailer field: skipped whole.
        if (c === LF) this.state = TRAILER_LINE_START;
        return false;
      case TRAILER_END_LF:
        if (c !== LF) this.fail('HPE_STRICT', 'trailer section not ended by CRLF');
        return true;
      default:
        return this.fail('HPE_INTERNAL', `parser in state ${this.state}`);
    }
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Case-insensitive comparison of h[at, at+word.length) with a lower-case ASCII word. */
function equalsLower(h: Buffer, at: number, word: Buffer): boolean {
  for (let k = 0; k < word.length; k++) {
    // |0x20 lower-cases letters and leaves '-' (0x2d) alone; words hold only letters and '-'.
    if (((h[at + k] as number) | 0x20) !== word[k]) return false;
  }
  return true;
}

/** Decimal digits only (no sign, no spaces inside); -1 when invalid or beyond 2^53. */
function parseContentLength(h: Buffer, from: number, to: number): number {
  if (from >= to || to - from > 15) return -1;
  let n = 0;
  for (let k = from; k < to; k++) {
    const d = (h[k] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
