/**
 * Memory-key globs, matched against the FULL key `namespace/key`:
 *   `*`   any run of characters within one `/`-segment (never crosses a `/`)
 *   `**`  any run of characters across segments; `a/**\/b` also matches `a/b` (zero segments)
 *   `?`   exactly one character other than `/`
 *   `\x`  the character x literally (to match a literal `*`, `?` or `\`)
 * Everything else matches itself.
 *
 * WHY not a RegExp: V8's regex engine backtracks, and `x/*a*a*a*a*a*a*a*a*a*b` against a key of
 * 200 `a`s takes exponential time — one search pinned a core and froze the MCP server for every
 * client. The pattern is compiled to a list of tokens and matched by simulating the automaton
 * (every live position at once, Thompson-style): each character of the key advances each live
 * position at most once, so a match costs at most (key length + 1) × (pattern tokens + 1) steps,
 * whatever the pattern. Patterns are capped at MAX_GLOB_LENGTH characters, which bounds one test.
 */

export class GlobSyntaxError extends Error {
  readonly code = 'GLOB_SYNTAX';
  constructor(pattern: string, reason: string) {
    super(`pattern "${pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern}": ${reason}`);
    this.name = 'GlobSyntaxError';
  }
}

/** The longest pattern accepted, in characters: keeps one key test under ~1 M steps for 1 KB keys. */
export const MAX_GLOB_LENGTH = 1024;

type Token =
  | { readonly kind: 'char'; readonly cp: number }
  /** `?`: one character other than the separator. */
  | { readonly kind: 'one' }
  /** `*`: any run within one segment. */
  | { readonly kind: 'star' }
  /** `**`: any run, separators included. */
  | { readonly kind: 'globstar' }
  /**
   * `**` + separator at a segment start: nothing, or any run ending in a separator. Two positions:
   * the entry (consumes nothing; leads to the loop or past it) and the loop (any character stays,
   * a separator also leaves), so the run must end in a separator.
   */
  | { readonly kind: 'dir-enter' }
  | { readonly kind: 'dir-loop' };

/** Counts the automaton's steps, so tests can bound the work in steps instead of seconds. */
export interface StepCounter {
  steps: number;
}

/**
 * A token list compiled for matching, for `/`-separated keys and `.`-separated metric names, so
 * every glob in the project runs on this one linear-time engine.
 */
class GlobAutomaton {
  private readonly tokens: readonly Token[];
  private readonly separator: number;
  /** Generation stamps: a position is live in the current generation at most once. */
  private readonly seen: Int32Array;
  private generation = 0;
  private current: Int32Array;
  private next: Int32Array;

  constructor(tokens: readonly Token[], separator: string) {
    this.tokens = tokens;
    this.separator = separator.codePointAt(0) as number;
    this.seen = new Int32Array(tokens.length + 1);
    this.current = new Int32Array(tokens.length + 1);
    this.next = new Int32Array(tokens.length + 1);
  }

  get tokenCount(): number {
    return this.tokens.length;
  }

  test(text: string, counter?: StepCounter): boolean {
    const accept = this.tokens.length;
    let liveCount = this.addInto(this.current, 0, 0, this.newGeneration());
    for (const ch of text) {
      if (liveCount === 0) return false;
      const cp = ch.codePointAt(0) as number;
      const generation = this.newGeneration();
      let nextCount = 0;
      for (let k = 0; k < liveCount; k++) {
        const i = this.current[k] as number;
        if (counter) counter.steps++;
        if (i === accept) continue;
        const token = this.tokens[i] as Token;
        switch (token.kind) {
          case 'char':
            if (cp === token.cp) nextCount = this.addInto(this.next, nextCount, i + 1, generation);
            break;
          case 'one':
            if (cp !== this.separator) nextCount = this.addInto(this.next, nextCount, i + 1, generation);
            break;
          case 'star':
            if (cp !== this.separator) nextCount = this.addInto(this.next, nextCount, i, generation);
            break;
          case 'globstar':
            nextCount = this.addInto(this.next, nextCount, i, generation);
            break;
          case 'dir-enter':
            break;
          case 'dir-loop':
            nextCount = this.addInto(this.next, nextCount, i, generation);
            if (cp === this.separator) nextCount = this.addInto(this.next, nextCount, i + 1, generation);
            break;
        }
      }
      [this.current, this.next] = [this.next, this.current];
      liveCount = nextCount;
    }
    for (let k = 0; k < liveCount; k++) if (this.current[k] === accept) return true;
    return false;
  }

  private newGeneration(): number {
    this.generation++;
    if (this.generation === 0x7fffffff) {
      this.seen.fill(0);
      this.generation = 1;
    }
    return this.generation;
  }

  /** Adds position `i` and every position reachable from it without consuming (after a wildcard that may match nothing). */
  private addInto(list: Int32Array, count: number, start: number, generation: number): number {
    let n = count;
    let i = start;
    while (i <= this.tokens.length && this.seen[i] !== generation) {
      this.seen[i] = generation;
      list[n++] = i;
      const kind = this.tokens[i]?.kind;
      if (kind === 'dir-enter') {
        // The loop position is live too, but it consumes before it can go on: no chaining past it.
        if (this.seen[i + 1] !== generation) {
          this.seen[i + 1] = generation;
          list[n++] = i + 1;
        }
        i += 2;
      } else if (kind === 'star' || kind === 'globstar') i++;
      else break;
    }
    return n;
  }
}

export interface CompiledGlob {
  readonly pattern: string;
  /**
   * The literal text every match starts with (before the first wildcard): lets stores narrow a
   * scan with an index range before testing the pattern.
   */
  readonly literalPrefix: string;
  /** Whether the full key matches; with `counter`, adds the automaton's steps to it. */
  test(fullKey: string, counter?: StepCounter): boolean;
}

function checkLength(pattern: string): void {
  if (pattern.length === 0) throw new GlobSyntaxError(pattern, 'empty pattern');
  if (pattern.length > MAX_GLOB_LENGTH) throw new GlobSyntaxError(pattern, `longer than ${MAX_GLOB_LENGTH} characters (${pattern.length})`);
}

export interface GlobOptions {
  /**
   * `auto` (default): V8's RegExp for patterns it matches in linear time (see regexIsLinear), the
   * automaton for the rest. `automaton`: always the automaton (tests compare the two).
   */
  engine?: 'auto' | 'automaton';
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

/**
 * Whether the RegExp translation of these tokens cannot backtrack more than linearly. It can when
 * two unbounded runs may end at several places in the same stretch of key (`*a*a*b`, `**x**`). It
 * cannot when each `/`-separated segment of the pattern holds at most one `*` and `**` stands only
 * alone as the last segment: a `*` never crosses `/`, and the literal text after it up to the
 * segment's `/` fixes where it ends, so every segment is matched in one way or none.
 */
function regexIsLinear(tokens: readonly Token[]): boolean {
  let starsInSegment = 0;
  let segmentLength = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'char' && t.cp === SLASH) {
      starsInSegment = 0;
      segmentLength = 0;
      continue;
    }
    segmentLength++;
    if (t.kind === 'dir-enter' || t.kind === 'dir-loop') return false;
    if (t.kind === 'globstar' && (i !== tokens.length - 1 || segmentLength !== 1)) return false;
    if (t.kind === 'star' && ++starsInSegment > 1) return false;
  }
  return true;
}

function regexOf(tokens: readonly Token[]): RegExp {
  let source = '';
  for (const t of tokens) {
    if (t.kind === 'char') source += String.fromCodePoint(t.cp).replace(REGEX_SPECIAL, '\\$&');
    else if (t.kind === 'one') source += '[^/]';
    else if (t.kind === 'star') source += '[^/]*';
    else if (t.kind === 'globstar') source += '.*';
  }
  // `s`: keys may contain line breaks and `.` must match them; `u`: `?` is one code point.
  return new RegExp(`^${source}$`, 'su');
}

const SLASH = 0x2f;

export function compileGlob(pattern: string, options: GlobOptions = {}): CompiledGlob {
  checkLength(pattern);
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  let literalPrefix = '';
  let sawWildcard = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) throw new GlobSyntaxError(pattern, 'trailing "\\" escapes nothing');
      tokens.push({ kind: 'char', cp: next.codePointAt(0) as number });
      if (!sawWildcard) literalPrefix += next;
      i++;
      continue;
    }
    if (ch === '*') {
      sawWildcard = true;
      if (chars[i + 1] === '*') {
        i++;
        // `**/` may match zero segments, so `a/**/b` matches `a/b` as in gitignore and most globbers.
        const atSegmentStart = i - 1 === 0 || chars[i - 2] === '/';
        if (chars[i + 1] === '/' && atSegmentStart) {
          tokens.push({ kind: 'dir-enter' }, { kind: 'dir-loop' });
          i++;
        } else {
          tokens.push({ kind: 'globstar' });
        }
      } else {
        tokens.push({ kind: 'star' });
      }
      continue;
    }
    if (ch === '?') {
      sawWildcard = true;
      tokens.push({ kind: 'one' });
      continue;
    }
    tokens.push({ kind: 'char', cp: ch.codePointAt(0) as number });
    if (!sawWildcard) literalPrefix += ch;
  }
  if (!sawWildcard) return { pattern, literalPrefix, test: (fullKey, counter) => countedEquals(fullKey, literalPrefix, counter) };
  if (options.engine !== 'automaton' && regexIsLinear(tokens)) {
    // Much faster than the automaton (~30 ns against ~3 µs a key) and, for these patterns, as safe.
    const regex = regexOf(tokens);
    return {
      pattern,
      literalPrefix,
      test: (fullKey, counter) => {
        if (counter) counter.steps += fullKey.length + 1;
        return regex.test(fullKey);
      },
    };
  }
  const automaton = new GlobAutomaton(tokens, '/');
  return { pattern, literalPrefix, test: (fullKey, counter) => automaton.test(fullKey, counter) };
}

function countedEquals(text: string, literal: string, counter: StepCounter | undefined): boolean {
  if (counter) counter.steps += Math.min(text.length, literal.length) + 1;
  return text === literal;
}

/**
 * Metric-name globs: `*` any run within one `.`-separated segment, `**` any run across segments,
 * everything else literal (no `?` or escapes: metric names contain neither). Same linear engine.
 */
export function compileDottedGlob(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) return (name) => name === pattern;
  const tokens: Token[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*' && chars[i + 1] === '*') {
      tokens.push({ kind: 'globstar' });
      i++;
    } else if (ch === '*') tokens.push({ kind: 'star' });
    else tokens.push({ kind: 'char', cp: ch.codePointAt(0) as number });
  }
  const automaton = new GlobAutomaton(tokens, '.');
  return (name) => automaton.test(name);
}

/** Case-insensitive substring test used by every adapter's search, so all adapters agree. */
export function valueContains(value: string, query: string | undefined): boolean {
  if (query === undefined || query === '') return true;
  return value.toLowerCase().includes(query.toLowerCase());
}
