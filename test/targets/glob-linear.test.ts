/**
 * The glob matcher must stay linear: adversarial patterns that make a backtracking matcher take
 * exponential time are bounded here in automaton steps (not seconds, so a busy machine cannot
 * make the test flaky), and the matcher agrees with a reference regex on random small inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDottedGlob, compileGlob, MAX_GLOB_LENGTH, type StepCounter } from '../../src/targets/glob.js';
import { metricMatcher } from '../../src/results/metrics.js';

/** The old RegExp translation, as a reference for small inputs only (it backtracks). */
function referenceRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*' && pattern[i + 1] === '*') {
      i++;
      const atSegmentStart = i - 1 === 0 || pattern[i - 2] === '/';
      if (pattern[i + 1] === '/' && atSegmentStart) {
        source += '(?:.*/)?';
        i++;
      } else source += '.*';
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

function stepsOf(pattern: string, key: string): { matched: boolean; steps: number } {
  const counter: StepCounter = { steps: 0 };
  const matched = compileGlob(pattern).test(key, counter);
  return { matched, steps: counter.steps };
}

describe('glob matching is linear in the key', () => {
  const adversarial: Array<[string, string]> = [
    // The reported case: 9 stars between `a`s, a key of 200 `a`s that does not end in `b`.
    ['x/*a*a*a*a*a*a*a*a*a*b', `x/${'a'.repeat(200)}`],
    ['x/' + '*a'.repeat(40) + '*b', `x/${'a'.repeat(1000)}`],
    ['**a**a**a**a**a**a**a**a**b', `${'a/'.repeat(500)}`],
    ['**/**/**/**/**/**/**/z', `${'a/'.repeat(500)}`],
    ['?*?*?*?*?*?*?*?*?*?*!', 'q'.repeat(2000)],
    ['*'.repeat(500) + 'b', 'a'.repeat(2000)],
  ];

  it.each(adversarial)('%s stays within (n+1)·(m+1) steps', (pattern, key) => {
    const { matched, steps } = stepsOf(pattern, key);
    expect(matched).toBe(false);
    const bound = (Array.from(key).length + 1) * (pattern.length + 2);
    expect(steps).toBeLessThanOrEqual(bound);
    expect(steps).toBeGreaterThan(0);
  });

  it('steps grow linearly when the key doubles', () => {
    const pattern = 'x/*a*a*a*a*a*a*a*a*a*b';
    const s1 = stepsOf(pattern, `x/${'a'.repeat(1000)}`).steps;
    const s2 = stepsOf(pattern, `x/${'a'.repeat(2000)}`).steps;
    // s(n) = a·n + b: doubling the key at most doubles the per-character part.
    expect(s2 - s1).toBeLessThanOrEqual(s1 + 10 * pattern.length);
  });

  it('still matches what it should on adversarial shapes', () => {
    expect(compileGlob('x/*a*a*a*a*a*a*a*a*a*b').test(`x/${'a'.repeat(200)}b`)).toBe(true);
    expect(compileGlob('**a**b').test(`${'a/'.repeat(50)}b`)).toBe(true);
  });

  it('agrees with the reference regex on random small patterns and keys', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '*', '?', '**', '**/', '✓');
    const keyAlphabet = fc.constantFrom('a', 'b', '/', '✓', '*');
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 1, maxLength: 8 }), fc.array(keyAlphabet, { maxLength: 10 }), (parts, keyParts) => {
        const pattern = parts.join('');
        const key = keyParts.join('');
        const expected = referenceRegex(pattern).test(key);
        expect(compileGlob(pattern).test(key)).toBe(expected);
        expect(compileGlob(pattern, { engine: 'automaton' }).test(key)).toBe(expected);
      }),
      { numRuns: 3000, seed: 12 },
    );
  });

  it('the automaton agrees with the fixed cases of the RegExp era', () => {
    for (const [pattern, key, expected] of [
      ['performance/*/bench-*/results', 'performance/a/bench-1/results', true],
      ['performance/**', 'performance/a/b', true],
      ['a/**/b', 'a/b', true],
      ['a/**/b', 'a/xb', false],
      ['a/?', 'a/✓', true],
    ] as const) {
      expect(compileGlob(pattern, { engine: 'automaton' }).test(key)).toBe(expected);
      expect(compileGlob(pattern).test(key)).toBe(expected);
    }
  });

  it('refuses patterns over the length cap', () => {
    expect(() => compileGlob('a'.repeat(MAX_GLOB_LENGTH + 1))).toThrow(/longer than/);
  });
});

describe('metric globs use the same engine', () => {
  it('matches within and across dotted segments', () => {
    expect(metricMatcher('tasks.*.p99')('tasks.claim.p99')).toBe(true);
    expect(metricMatcher('tasks.*.p99')('tasks.a.b.p99')).toBe(false);
    expect(metricMatcher('tasks.**')('tasks.a.b.p99')).toBe(true);
    expect(metricMatcher('tasks.claim.p99')('tasks.claim.p99')).toBe(true);
  });

  it('does not blow up on stars against a long name', () => {
    // With a backtracking RegExp this takes longer than the test timeout; linear, it is instant.
    expect(compileDottedGlob('*a*a*a*a*a*a*a*a*a*a*a*a*b')('a'.repeat(5000))).toBe(false);
  });
});
