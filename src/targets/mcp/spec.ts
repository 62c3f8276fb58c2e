/**
 * Which MCP server to benchmark: a command to spawn (stdio) or a streamable-HTTP URL. Parsed once,
 * from user input, with errors that name the flag.
 */
import { UsageError } from '../../core/parse.js';

export type McpTargetSpec =
  | { kind: 'stdio'; command: string; args: string[]; /** The command line as the user gave it. */ display: string }
  | { kind: 'http'; url: URL; headers: Record<string, string>; display: string; addresses?: readonly string[] };

/**
 * Splits a command line the way a POSIX shell would for plain words: whitespace separates words,
 * single quotes keep everything literally, double quotes keep spaces and allow \" and \\, a
 * backslash outside quotes escapes the next character. No expansion of variables or globs: the
 * command is spawned directly, never through a shell, so nothing in it is executed by accident.
 */
export function splitCommandLine(flag: string, line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else current += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) current += line[++i];
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new UsageError(`${flag}: the command ends with a lone backslash`);
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`${flag}: unterminated ${quote === "'" ? 'single' : 'double'} quote in "${line}"`);
  if (inWord) words.push(current);
  return words;
}

export function parseStdioTarget(flag: string, line: string): McpTargetSpec {
  const words = splitCommandLine(flag, line);
  const [command, ...args] = words;
  if (!command) throw new UsageError(`${flag}: expected a command to start the MCP server, e.g. "node server.js", got an empty string`);
  return { kind: 'stdio', command, args, display: line.trim() };
}

/** A header flag value "Name: value" (curl's form). */
export function parseHeader(flag: string, raw: string): [string, string] {
  const i = raw.indexOf(':');
  const name = i > 0 ? raw.slice(0, i).trim() : '';
  if (!name || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(`${flag}: expected "Name: value", got "${raw}"`);
  return [name, raw.slice(i + 1).trim()];
}

export function parseHttpTarget(flag: string, raw: string, headers: Record<string, string> = {}): McpTargetSpec {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${flag}: expected an http:// or https:// URL of a streamable-HTTP MCP endpoint, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${flag}: expected an http:// or https:// URL, got "${raw}" (protocol ${url.protocol})`);
  }
  // Credentials in a URL must not end up in results and history: show the URL without them.
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return { kind: 'http', url, headers, display: shown.href };
}
