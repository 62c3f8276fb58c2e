/**
 * One-way latency distributions for simulated links, parsed from flag text:
 *
 *   15ms                      constant
 *   uniform:10ms-20ms         uniform between two durations
 *   normal:15ms,3ms           normal(mean, stddev), clamped at 0
 *   lognormal:10ms,0.5        log-normal with that median and sigma (of the underlying normal)
 *   exp:5ms                   exponential with that mean
 *
 * A duration is a number with a unit (us, µs, ms, s); a bare number is milliseconds here, because
 * network latencies are spoken of in milliseconds. Samples are integer µs.
 */
import type { Rng } from '../measure/rng.js';

export type LatencySpec =
  | { kind: 'constant'; us: number }
  | { kind: 'uniform'; minUs: number; maxUs: number }
  | { kind: 'normal'; meanUs: number; stddevUs: number }
  | { kind: 'lognormal'; medianUs: number; sigma: number }
  | { kind: 'exp'; meanUs: number };

export class LatencyParseError extends Error {}

const UNITS: Record<string, number> = { us: 1, 'µs': 1, ms: 1000, s: 1_000_000 };

/** Parses "15ms", "1.5ms", "500us", "0.2s"; a bare number is ms. */
export function parseLatencyDurationUs(text: string, context: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?$/.exec(text.trim());
  if (!m) throw new LatencyParseError(`${context}: expected a duration such as 15ms or 500us, got "${text}"`);
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 'ms'] as number));
}

export function parseLatency(raw: string, flag = '--latency'): LatencySpec {
  const text = raw.trim();
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: 'constant', us: parseLatencyDurationUs(text, `${flag} "${raw}"`) };
  const kind = text.slice(0, colon).toLowerCase();
  const args = text.slice(colon + 1);
  const ctx = `${flag} "${raw}"`;
  switch (kind) {
    case 'const':
    case 'constant':
      return { kind: 'constant', us: parseLatencyDurationUs(args, ctx) };
    case 'uniform': {
      const parts = args.split('-');
      if (parts.length !== 2) throw new LatencyParseError(`${ctx}: uniform expects MIN-MAX, e.g. uniform:10ms-20ms`);
      const minUs = parseLatencyDurationUs(parts[0] as string, ctx);
      const maxUs = parseLatencyDurationUs(parts[1] as string, ctx);
      if (maxUs < minUs) throw new LatencyParseError(`${ctx}: uniform minimum is above its maximum`);
      return { kind: 'uniform', minUs, maxUs };
    }
    case 'normal': {
      const parts = args.split(',');
      if (parts.length !== 2) throw new LatencyParseError(`${ctx}: normal expects MEAN,STDDEV, e.g. normal:15ms,3ms`);
      return { kind: 'normal', meanUs: parseLatencyDurationUs(parts[0] as string, ctx), stddevUs: parseLatencyDurationUs(parts[1] as string, ctx) };
    }
    case 'lognormal': {
      const parts = args.split(',');
      const sigma = Number(parts[1]);
      if (parts.length !== 2 || !Number.isFinite(sigma) || sigma < 0 || (parts[1] as string).trim() === '')
        throw new LatencyParseError(`${ctx}: lognormal expects MEDIAN,SIGMA, e.g. lognormal:10ms,0.5`);
      const medianUs = parseLatencyDurationUs(parts[0] as string, ctx);
      if (medianUs <= 0) throw new LatencyParseError(`${ctx}: lognormal median must be above zero`);
      return { kind: 'lognormal', medianUs, sigma };
    }
    case 'exp':
    case 'exponential':
      return { kind: 'exp', meanUs: parseLatencyDurationUs(args, ctx) };
    default:
      throw new LatencyParseError(`${ctx}: unknown distribution "${kind}"; expected a duration or uniform:, normal:, lognormal:, exp:`);
  }
}

/** Draws one latency, integer µs ≥ 0. */
export function sampleLatency(spec: LatencySpec, rng: Rng): number {
  switch (spec.kind) {
    case 'constant':
      return spec.us;
    case 'uniform':
      return spec.minUs === spec.maxUs ? spec.minUs : Math.round(rng.uniform(spec.minUs, spec.maxUs));
    case 'normal':
      return Math.max(0, Math.round(rng.normal(spec.meanUs, spec.stddevUs)));
    case 'lognormal':
      return Math.max(0, Math.round(spec.medianUs * Math.exp(rng.normal(0, spec.sigma))));
    case 'exp':
      return Math.round(rng.exponential(spec.meanUs));
  }
}

/** Mean of the distribution in µs (for reporting, e.g. the broadcast time). */
export function meanLatencyUs(spec: LatencySpec): number {
  switch (spec.kind) {
    case 'constant':
      return spec.us;
    case 'uniform':
      return (spec.minUs + spec.maxUs) / 2;
    case 'normal':
      return spec.meanUs;
    case 'lognormal':
      return spec.medianUs * Math.exp((spec.sigma * spec.sigma) / 2);
    case 'exp':
      return spec.meanUs;
  }
}

export function formatLatency(spec: LatencySpec): string {
  const f = (us: number): string => (us % 1000 === 0 ? `${us / 1000}ms` : `${us}us`);
  switch (spec.kind) {
    case 'constant':
      return f(spec.us);
    case 'uniform':
      return `uniform:${f(spec.minUs)}-${f(spec.maxUs)}`;
    case 'normal':
      return `normal:${f(spec.meanUs)},${f(spec.stddevUs)}`;
    case 'lognormal':
      return `lognormal:${f(spec.medianUs)},${spec.sigma}`;
    case 'exp':
      return `exp:${f(spec.meanUs)}`;
  }
}
