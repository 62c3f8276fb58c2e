import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/measure/rng.js';
import { LatencyParseError, formatLatency, meanLatencyUs, parseLatency, sampleLatency } from '../../src/sim/latency.js';

describe('latency distributions', () => {
  it('parses every form', () => {
    expect(parseLatency('15ms')).toEqual({ kind: 'constant', us: 15_000 });
    expect(parseLatency('250us')).toEqual({ kind: 'constant', us: 250 });
    expect(parseLatency('uniform:10ms-20ms')).toEqual({ kind: 'uniform', minUs: 10_000, maxUs: 20_000 });
    expect(parseLatency('normal:15ms,3ms')).toEqual({ kind: 'normal', meanUs: 15_000, stddevUs: 3_000 });
    expect(parseLatency('lognormal:10ms,0.5')).toEqual({ kind: 'lognormal', medianUs: 10_000, sigma: 0.5 });
    expect(parseLatency('exp:5ms')).toEqual({ kind: 'exp', meanUs: 5_000 });
    expect(formatLatency(parseLatency('uniform:10ms-20ms'))).toBe('uniform:10ms-20ms');
  });

  it('rejects bad text with a message naming the flag and the problem', () => {
    expect(() => parseLatency('uniform:20ms-10ms')).toThrow(/--latency "uniform:20ms-10ms": uniform minimum is above its maximum/);
    expect(() => parseLatency('pareto:1ms')).toThrow(LatencyParseError);
    expect(() => parseLatency('fast')).toThrow(/expected a duration/);
    expect(() => parseLatency('lognormal:10ms')).toThrow(/MEDIAN,SIGMA/);
  });

  it('samples stay in range and match the mean', () => {
    const rng = new Rng(9);
    for (const text of ['uniform:10ms-20ms', 'normal:15ms,3ms', 'lognormal:10ms,0.5', 'exp:5ms', '7ms']) {
      const spec = parseLatency(text);
      let sum = 0;
      let bad = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        const v = sampleLatency(spec, rng);
        if (!Number.isInteger(v) || v < 0) bad++;
        if (spec.kind === 'uniform' && (v < spec.minUs || v > spec.maxUs)) bad++;
        sum += v;
      }
      expect(bad).toBe(0);
      expect(Math.abs(sum / n - meanLatencyUs(spec)) / meanLatencyUs(spec)).toBeLessThan(0.03);
    }
  });
});
