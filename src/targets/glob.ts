/**
 * Memory-key globs, matched against the FULL key `namespace/key`:
 *   `*`   any run of characters within one `/`-segment (never crosses a `/`)
 *   `**`  any run of characters across segments; `a/**\/b` also matches `a/b` (zero segments)
 *   `?`   exactly one character other than `/`
 *   `\x`  the character x literally (to match a literal `*`, `?` or `\`)
 * Everything else matches itself. A pattern is compiled to one anchored RegExp, once, so a search
 * over many entries costs one regex test per entry.
 */

export class GlobSyntaxError extends Error {
  readonly code = 'GLOB_SYNTAX';
  constructor(pattern: string, reason: string) {
    super(`pattern "${pattern}": ${reason}`);
    this.name = 'GlobSyntaxError';
  }
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIAL, '\\$&');
}

export interface CompiledGlob {
  readonly pattern: string;
  readonly regex: RegExp;
  /**
   * The literal text every match starts with (before the first wildcard): lets stores narrow a
   * scan with an index range before testing the regex.
   */
  readonly literalPrefix: string;
  test(fullKey: string): boolean;
}

export function compileGlob(pattern: string): CompiledGlob {
  if (pattern.length === 0) throw new GlobSyntaxError(pattern, 'empty pattern');
  let source = '';
  let literalPrefix = '';
  let sawWildcard = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new GlobSyntaxError(pattern, 'trailing "\\" escapes nothing');
      source += escapeRegex(next);
      if (!sawWildcard) literalPrefix += next;
      i++;
      continue;
    }
    if (ch === '*') {
      sawWildcard = true;
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` may match zero segments, so `a/**/b` matches `a/b` as in gitignore and most globbers.
        const atSegmentStart = i - 1 === 0 || pattern[i - 2] === '/';
        if (pattern[i + 1] === '/' && atSegmentStart) {
          source += '(?:.*/)?';
          i++;
        } else {
          source += '.*';
        }
      } else {
        source += '[^/]*';
      }
      continue;
    }
    if (ch === '?') {
      sawWildcard = true;
      source += '[^/]';
      continue;
    }
    source += escapeRegex(ch);
    if (!sawWildcard) literalPrefix += ch;
  }
  // `s`: keys may in principle contain line breaks; `.` must still match them. `u`: match by code
  // point, so `?` consumes one character even outside the BMP.
  const regex = new RegExp(`^${source}$`, 'su');
  return { pattern, regex, literalPrefix, test: (fullKey) => regex.test(fullKey) };
}

/** Case-insensitive substring test used by every adapter's search, so all adapters agree. */
export function valueContains(value: string, query: string | undefined): boolean {
  if (query === undefined || query === '') return true;
  return value.toLowerCase().includes(query.toLowerCase());
}
