import { describe, expect, it } from 'vitest';
import { formatSuite, table } from '../../src/report/terminal.js';
import type { SuiteResult } from '../../src/core/result.js';

const zero = { min: 0, mean: 0, stddev: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, p9999: 0, max: 0 };

describe('terminal summary', () => {
  it('shows control characters in outside names instead of sending them to the terminal', () => {
    const suite: SuiteResult = {
      name: 'http',
      backend: 'http://127.0.0.1:1',
      operations: [{ name: 'GET /\x1b[2Jclear', count: 1, errors: 1, dropped: 0, throughput: 1, latencyUs: zero, histogram: '', errorReasons: { 'bad\nreason': 1 } }],
      intervals: [],
      checks: [{ name: 'ok', passed: true, detail: 'fine' }],
      resources: { sampleIntervalMs: 1000, samples: [] },
    };
    const text = formatSuite(suite);
    expect(text).not.toContain('\x1b');
    expect(text).toContain('GET /\\x1b[2Jclear');
    expect(text).toContain('bad\\nreason ×1');
  });
});

describe('terminal tables', () => {
  it('escape control characters in every cell, whoever builds the rows', () => {
    const text = table(['suite', 'tag'], [['tasks\x1b[31m', 'branch=\x07main']]);
    expect([...text].filter((c) => c !== '\n' && (c < ' ' || c === '\x7f'))).toEqual([]);
    expect(text).toContain('tasks\\x1b[31m');
    expect(text).toContain('branch=\\x07main');
  });
});
