/**
 * The MCP stdio transport of the swarmperf server: newline-delimited JSON-RPC on stdin/stdout.
 *
 * WHY not the SDK's StdioServerTransport: past its 10 MiB buffer it clears the buffer mid-line,
 * throws, and closes the transport — the oversized request gets no answer, the tail of the line
 * is read as a new (broken) message, and the next large one ended the process with status 0 and
 * no log line. Here a line longer than the limit is skipped up to its newline and answered with a
 * JSON-RPC error carrying the request's id (read from the skipped bytes without keeping them);
 * unparseable lines get a parse error; the session goes on.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MAX_STDIO_MESSAGE_BYTES } from './limits.js';

type RequestId = string | number;

const NEWLINE = 0x0a;

/**
 * Finds the top-level `"id"` of a JSON object streamed through it in chunks, in constant memory:
 * it tracks nesting and strings, and keeps only the key being read and the id's own text.
 */
export class TopLevelIdScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** At depth 1: reading a key (before ':') or a value (after it). */
  private expectingKey = true;
  private key = '';
  private capturing: 'key' | 'id-string' | 'id-literal' | undefined;
  private idBytes: number[] = [];
  private found: RequestId | undefined;
  private static readonly MAX_CAPTURE = 256;

  get id(): RequestId | undefined {
    return this.found;
  }

  feed(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) this.step(chunk[i] as number);
  }

  private append(byte: number): void {
    if (this.capturing === 'key' && this.key.length < 8) this.key += String.fromCharCode(byte);
    else if ((this.capturing === 'id-string' || this.capturing === 'id-literal') && this.idBytes.length < TopLevelIdScanner.MAX_CAPTURE) this.idBytes.push(byte);
  }

  private idText(): string {
    return Buffer.from(this.idBytes).toString('utf8');
  }

  private step(byte: number): void {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (byte === 0x5c) this.escaped = true;
      else if (byte === 0x22) {
        this.inString = false;
        if (this.capturing === 'id-string') {
          try {
            this.finishId(JSON.parse(`"${this.idText()}"`) as string);
          } catch {
            this.capturing = undefined; // an id longer than we keep: answer with id null
          }
        }
        if (this.capturing === 'key') this.capturing = undefined;
        return;
      }
      this.append(byte);
      return;
    }
    if (this.capturing === 'id-literal') {
      if ((byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2e || byte === 0x65 || byte === 0x45 || byte === 0x2b) {
        this.append(byte);
        return;
      }
      const text = this.idText();
      const n = Number(text);
      this.capturing = undefined;
      if (text !== '' && Number.isFinite(n)) this.finishId(n);
    }
    switch (byte) {
      case 0x22: // "
        this.inString = true;
        if (this.depth === 1 && this.expectingKey) {
          this.key = '';
          this.capturing = 'key';
        } else if (this.depth === 1 && this.key === 'id' && this.found === undefined) {
          this.idBytes = [];
          this.capturing = 'id-string';
        }
        return;
      case 0x7b: // {
      case 0x5b: // [
        this.depth++;
        if (this.depth === 1) this.expectingKey = true;
        return;
      case 0x7d: // }
      case 0x5d: // ]
        this.depth--;
        return;
      case 0x3a: // :
        if (this.depth === 1) this.expectingKey = false;
        return;
      case 0x2c: // ,
        if (this.depth === 1) {
          this.expectingKey = true;
          this.key = '';
        }
        return;
      default:
        if (this.depth === 1 && !this.expectingKey && this.key === 'id' && this.found === undefined && byte > 0x20) {
          this.idBytes = [];
          this.capturing = 'id-literal';
          this.append(byte);
        }
    }
  }

  private finishId(id: RequestId): void {
    this.capturing = undefined;
    if (this.found === undefined) this.found = id;
  }
}

export interface StdioTransportOptions {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  maxMessageBytes?: number;
  /** Where the transport says what it refused (stderr). */
  log?: (line: string) => void;
}

export class SwarmperfStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly stdin: NodeJS.ReadableStream;
  private readonly stdout: NodeJS.WritableStream;
  private readonly maxBytes: number;
  private readonly log: (line: string) => void;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while skipping an oversized line: how many bytes it had so far, and its id. */
  private skipping: { bytes: number; scanner: TopLevelIdScanner } | undefined;
  private closed = false;

  constructor(options: StdioTransportOptions = {}) {
    this.stdin = options.stdin ?? process.stdin;
    this.stdout = options.stdout ?? process.stdout;
    this.maxBytes = options.maxMessageBytes ?? MAX_STDIO_MESSAGE_BYTES;
    this.log = options.log ?? (() => {});
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      this.consume(buf);
    } catch (err) {
      // Never fatal: report it and keep reading.
      this.onerror?.(err instanceof Error ? err : new Error(String(err)));
    }
  };

  private readonly onEnd = (): void => {
    void this.close();
  };

  private readonly onStreamError = (err: Error): void => {
    this.onerror?.(err);
  };

  start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('end', this.onEnd);
    this.stdin.on('error', this.onStreamError);
    this.stdout.on('error', this.onStreamError);
    return Promise.resolve();
  }

  private consume(buf: Buffer): void {
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NEWLINE, start);
      const end = nl === -1 ? buf.length : nl;
      const piece = buf.subarray(start, end);
      if (this.skipping) {
        this.skipping.bytes += piece.length;
        this.skipping.scanner.feed(piece);
      } else if (this.pendingBytes + piece.length > this.maxBytes) {
        // Too long: stop keeping it, but read on to its end for the id.
        const scanner = new TopLevelIdScanner();
        for (const p of this.pending) scanner.feed(p);
        scanner.feed(piece);
        this.skipping = { bytes: this.pendingBytes + piece.length, scanner };
        this.pending = [];
        this.pendingBytes = 0;
      } else if (piece.length > 0) {
        // Copy: the stream may reuse its chunk's memory once this handler returns.
        this.pending.push(Buffer.from(piece));
        this.pendingBytes += piece.length;
      }
      if (nl === -1) return;
      this.endOfLine();
      start = nl + 1;
    }
  }

  private endOfLine(): void {
    if (this.skipping) {
      const { bytes, scanner } = this.skipping;
      this.skipping = undefined;
      this.log(`refused a message of ${bytes} bytes (limit ${this.maxBytes})${scanner.id !== undefined ? ` for request id ${JSON.stringify(scanner.id)}` : ''}`);
      this.reply(scanner.id ?? null, -32600, `message too large: ${bytes} bytes, the limit is ${this.maxBytes} bytes`);
      return;
    }
    const line = Buffer.concat(this.pending, this.pendingBytes).toString('utf8').replace(/\r$/, '');
    this.pending = [];
    this.pendingBytes = 0;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // No excerpt of the line in the answer or the log: it may be anything.
      this.reply(null, -32700, 'parse error: the message is not valid JSON');
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = typeof value === 'object' && value !== null && 'id' in value ? (value as { id: unknown }).id : undefined;
      this.reply(typeof id === 'string' || typeof id === 'number' ? id : null, -32600, 'invalid request: not a JSON-RPC 2.0 message');
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private reply(id: RequestId | null, code: number, message: string): void {
    this.write(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }) + '\n').catch((err: unknown) => this.onerror?.(err as Error));
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(text)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(JSON.stringify(message) + '\n');
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onEnd);
    this.stdin.off('error', this.onStreamError);
    this.stdout.off('error', this.onStreamError);
    this.pending = [];
    this.skipping = undefined;
    this.onclose?.();
    return Promise.resolve();
  }
}
