/** Request building for the raw HTTP client: the whole request prebuilt once, as bytes. */
import type { HttpRequestSpec } from './request-spec.js';

/**
 * The whole request as bytes: request line, Host, the spec's headers, Content-Length, body. No
 * User-Agent unless given (as undici, wrk and autocannon send none): the server parses only what
 * the user asked for, so side-by-side figures compare like with like.
 */
export function buildRequestBuffer(spec: Pick<HttpRequestSpec, 'url' | 'method' | 'headers' | 'body'>): Buffer {
  const path = (spec.url.pathname || '/') + spec.url.search;
  let head = `${spec.method} ${path} HTTP/1.1\r\nHost: ${spec.url.host}\r\n`;
  for (const [name, value] of Object.entries(spec.headers)) head += `${name}: ${value}\r\n`;
  // Keep-alive is HTTP/1.1's default; saying it costs nothing and helps servers that look for it.
  head += 'Connection: keep-alive\r\n';
  const body = spec.body;
  // Methods defined with a payload get an explicit 0 length, as undici and curl send.
  if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  else if (spec.method === 'POST' || spec.method === 'PUT' || spec.method === 'PATCH') head += 'Content-Length: 0\r\n';
  head += '\r\n';
  const headBytes = Buffer.from(head, 'latin1');
  return body !== undefined && body.length > 0 ? Buffer.concat([headBytes, body]) : headBytes;
}
