/**
 * What to send: URL, method, headers and body, parsed from flags with one clear message per
 * mistake (curl's conventions: `--header "Name: value"`, `--body @file`).
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../core/parse.js';

export interface HttpRequestSpec {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Per-request timeout (headers and body each), µs. */
  timeoutUs: number;
  /**
   * The addresses safe mode checked for the host: connections go to these only, never to a
   * fresh DNS answer. Undefined with --allow-remote (the name is resolved as usual).
   */
  addresses?: readonly string[];
}

export interface HttpRequestFlags {
  url: string;
  method?: string;
  header?: string[];
  body?: string;
  timeoutUs: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function parseTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`url "${raw}": not a valid URL; expected e.g. http://127.0.0.1:8080/path`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`url "${raw}": only http:// and https:// URLs are supported, got ${url.protocol}//`);
  }
  if (url.username || url.password) throw new UsageError(`url "${raw}": put credentials in --header "Authorization: ...", not in the URL`);
  return url;
}

export function parseRequestSpec(flags: HttpRequestFlags): HttpRequestSpec {
  const url = parseTargetUrl(flags.url);
  const method = (flags.method ?? 'GET').trim().toUpperCase();
  if (!TOKEN.test(method)) throw new UsageError(`--method: "${flags.method}" is not an HTTP method such as GET or POST`);
  const headers: Record<string, string> = {};
  for (const raw of flags.header ?? []) {
    const i = raw.indexOf(':');
    if (i <= 0) throw new UsageError(`--header: expected "Name: value", got "${raw}"`);
    const name = raw.slice(0, i).trim();
    const value = raw.slice(i + 1).trim();
    if (!TOKEN.test(name)) throw new UsageError(`--header: "${name}" is not a valid header name`);
    if (/[\r\n\0]/.test(value)) throw new UsageError(`--header: the value of ${name} contains a line break or NUL`);
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') {
      throw new UsageError(`--header: ${name} is set by swarmperf from the URL and body; leave it out`);
    }
    headers[lower] = value;
  }
  const spec: HttpRequestSpec = { url, method, headers, timeoutUs: flags.timeoutUs };
  if (flags.body !== undefined) {
    if (method === 'GET' || method === 'HEAD') throw new UsageError(`--body: ${method} requests carry no body; use --method POST (or PUT, PATCH)`);
    if (flags.body.startsWith('@')) {
      const file = flags.body.slice(1);
      try {
        spec.body = readFileSync(file);
      } catch (err) {
        throw new UsageError(`--body: cannot read ${file}: ${(err as { code?: string }).code ?? String(err)}`);
      }
    } else {
      spec.body = Buffer.from(flags.body, 'utf8');
    }
  }
  return spec;
}

/** The operation name results use: method and path, e.g. "GET /flat" (the query string is left out). */
export function httpOperationName(spec: Pick<HttpRequestSpec, 'method' | 'url'>): string {
  return `${spec.method} ${spec.url.pathname}`;
}
