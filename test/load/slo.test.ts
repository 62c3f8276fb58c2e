import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/parse.js';
import { DEFAULT_SLO, evaluateSlo, evaluateSloOnOperations, parseSlo, type SloSubject } from '../../src/load/slo.js';
import type { LatencyStats, OperationResult } from '../../src/core/result.js';

const latency = (p99: number): LatencyStats => ({ min: 1, mean: p99 / 2, stddev: 1, p50: p99 / 2, p75: p99 / 2, p90: p99 / 2, p95: p99, p99, p999: p99, p9999: p99, max: p99 });
const subject = (over: Partial<SloSubject> = {}): SloSubject => ({ count: 1000, errors: 0, dropped: 0, throughput: 100, latencyUs: latency(20_000), ...over });

describe('SLO parser', () => {
  it('parses latency and ratio clauses', () => {
    const slo = parseSlo('--slo', 'p99 < 50ms, success>=99.9%,p99.9<=1s,errors<1%,throughput>=95%');
    expect(slo.text).toBe('p99<50ms,success>=99.9%,p99.9<=1s,errors<1%,throughput>=95%');
    expect(slo.clauses.map((c) => [c.metric, c.comparator, c.threshold])).toEqual([
      ['p99', '<', 50_000],
      ['success', '>=', 0.999],
      ['p999', '<=', 1_000_000],
      ['errors', '<', 0.01],
      ['throughput', '>=', 0.95],
    ]);
    expect(parseSlo('--slo', DEFAULT_SLO).clauses).toHaveLength(2);
  });

  it.each([
    ['', /--slo: expected clauses such as p99<50ms/],
    ['p99<50', /--slo: clause 1 "p99<50": give "50" a unit, e.g. 50ms/],
    ['p99<50ms,p42<5ms', /--slo: clause 2 "p42<5ms": unknown metric "p42"/],
    ['success>=101%', /clause 1 "success>=101%": 101% is more than 100%/],
    ['success>=99', /"99" is not a percentage such as 99%/],
    ['p99=5ms', /clause 1 "p99=5ms": expected METRIC<VALUE/],
    ['p99<fast', /"fast" is not a duration/],
  ])('rejects %j with a message naming the clause', (input, message) => {
    expect(() => parseSlo('--slo', input)).toThrow(UsageError);
    expect(() => parseSlo('--slo', input)).toThrow(message);
  });
});

describe('SLO evaluation', () => {
  const slo = parseSlo('--slo', 'p99<50ms,success>=99%');

  it('passes when every clause holds and names each broken clause with the measured value', () => {
    expect(evaluateSlo(slo, subject())).toEqual({ passed: true, violations: [], brokenClauses: [] });
    const v = evaluateSlo(slo, subject({ latencyUs: latency(83_100), errors: 20 }));
    expect(v.passed).toBe(false);
    expect(v.brokenClauses).toEqual(['p99<50ms', 'success>=99%']);
    expect(v.violations).toEqual(['p99<50ms (was 83.1ms)', 'success>=99% (was 98.00%)']);
  });

  it('treats a percentage exactly as written (999 of 1000 meets success>=99.9%)', () => {
    expect(evaluateSlo(parseSlo('--slo', 'success>=99.9%'), subject({ errors: 1 })).passed).toBe(true);
    expect(evaluateSlo(parseSlo('--slo', 'success>=99.9%'), subject({ errors: 2 })).passed).toBe(false);
  });

  it('counts dropped operations against success', () => {
    const v = evaluateSlo(slo, subject({ dropped: 20 }));
    expect(v.brokenClauses).toEqual(['success>=99%']);
  });

  it('fails latency clauses when nothing completed', () => {
    const v = evaluateSlo(slo, subject({ count: 0, dropped: 10, latencyUs: latency(0) }));
    expect(v.passed).toBe(false);
    expect(v.violations[0]).toBe('p99<50ms (nothing completed)');
  });

  it('judges throughput against the intended rate over all operations', () => {
    const t = parseSlo('--slo', 'throughput>=95%');
    const op = (name: string, throughput: number): OperationResult => ({ name, count: 100, errors: 0, dropped: 0, throughput, latencyUs: latency(1000), histogram: '' });
    expect(evaluateSloOnOperations(t, [op('a', 50), op('b', 48)], 100).passed).toBe(true);
    expect(evaluateSloOnOperations(t, [op('a', 50), op('b', 40)], 100).passed).toBe(false);
    expect(evaluateSloOnOperations(slo, [], 100).passed).toBe(false);
  });
});
