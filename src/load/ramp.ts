/**
 * Ramping arrival rate (k6's ramping-arrival-rate): a list of stages `DURATION:TARGET_RATE`, each
 * moving the rate linearly from where the previous stage ended to its target over its duration.
 *
 *   --ramp 10s:100,30s:1000,60s:1000     0 → 100/s over 10 s, → 1000/s over 30 s, hold 60 s
 *   --rate 50 --ramp 20s:500             start at 50/s (the start rate), → 500/s over 20 s
 *   --ramp 5s:200,0s:50,10s:50           a zero-length stage jumps: 200/s, then 50/s at once
 *
 * Arrivals are placed where the expected count reaches a whole number: the count is the integral
 * of the rate, so for a linear stage the n-th arrival solves a quadratic (solved in the form that
 * stays exact when the rate is flat or starts at zero).
 */
import { parseDurationUs, UsageError } from '../core/parse.js';
import type { ArrivalCursor, ArrivalSchedule } from './open-loop.js';

export interface RampStage {
  durationUs: number;
  /** Rate (per second) at the end of the stage. */
  targetRate: number;
}

const STAGE_EXAMPLE = 'DURATION:RATE stages separated by commas, e.g. 10s:100,30s:1000,60s:1000';

/** Parses `10s:100,30s:1000`; errors name the flag, the stage number and what was wrong. */
export function parseRamp(flag: string, text: string): RampStage[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`${flag}: expected ${STAGE_EXAMPLE}, got an empty value`);
  const stages = trimmed.split(',').map((part, i): RampStage => {
    const where = `${flag}: stage ${i + 1} "${part.trim()}"`;
    const pieces = part.split(':');
    if (pieces.length !== 2) throw new UsageError(`${where}: expected DURATION:RATE such as 30s:1000`);
    const [durText, rateText] = pieces as [string, string];
    let durationUs: number;
    try {
      durationUs = parseDurationUs(where, durText);
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`${where}: duration "${durText.trim()}" is not a duration such as 500ms, 10s or 2m`);
      throw err;
    }
    const rateClean = rateText.trim().replace(/\/s$/, '');
    const targetRate = Number(rateClean);
    if (rateClean === '' || !Number.isFinite(targetRate) || targetRate < 0) {
      throw new UsageError(`${where}: rate "${rateText.trim()}" is not a rate (operations per second, 0 or more)`);
    }
    return { durationUs, targetRate };
  });
  const total = stages.reduce((a, s) => a + s.durationUs, 0);
  if (total <= 0) throw new UsageError(`${flag}: the stages last 0 s in total; give at least one stage a duration`);
  return stages;
}

interface Segment {
  startUs: number;
  durationUs: number;
  fromRate: number;
  toRate: number;
  /** Expected arrivals before this segment (fractional). */
  before: number;
  /** Expected arrivals within it. */
  count: number;
}

/** The schedule for `stages`, starting at `startRate` (k6's startRate; 0 by default). */
export function rampSchedule(stages: readonly RampStage[], startRate = 0): ArrivalSchedule {
  if (!(startRate >= 0)) throw new Error('ramp: start rate must not be negative');
  const segments: Segment[] = [];
  let t = 0;
  let rate = startRate;
  let before = 0;
  for (const s of stages) {
    const count = ((rate + s.targetRate) / 2) * (s.durationUs / 1e6);
    segments.push({ startUs: t, durationUs: s.durationUs, fromRate: rate, toRate: s.targetRate, before, count });
    before += count;
    t += s.durationUs;
    rate = s.targetRate;
  }
  const durationUs = t;
  if (before < 1) throw new UsageError(`ramp: the stages make ${before.toFixed(2)} arrivals in total; raise a rate or a duration`);

  const rateAt = (tUs: number): number => {
    for (const seg of segments) {
      if (tUs < seg.startUs + seg.durationUs) {
        if (tUs < seg.startUs) return seg.fromRate;
        return seg.fromRate + ((seg.toRate - seg.fromRate) * (tUs - seg.startUs)) / seg.durationUs;
      }
    }
    return 0;
  };

  return {
    durationUs,
    rateAt,
    cursor(): ArrivalCursor {
      let n = 0;
      let k = 0;
      return {
        next(): number {
          for (;;) {
            const seg = segments[k];
            if (!seg) return Infinity;
            const m = n - seg.before;
            if (seg.count === 0 || m >= seg.count) {
              k++;
              continue;
            }
            n++;
            return seg.startUs + offsetWithin(seg, m);
          }
        },
      };
    },
    describe: () =>
      `${startRate > 0 ? `from ${startRate}/s ` : ''}${stages.map((s) => `${s.durationUs / 1e6}s:${s.targetRate}`).join(',')}`,
  };
}

/**
 * Time (µs into the segment) at which `m` expected arrivals have happened, for a rate going
 * linearly from a to b: solve a·t + (b−a)/(2d)·t² = m. Written as t = 2m / (a + √(a² + 2·slope·m))
 * to avoid cancellation and to be right when slope is 0 (t = m/a) or a is 0.
 */
function offsetWithin(seg: Segment, m: number): number {
  if (m <= 0) return 0;
  const a = seg.fromRate;
  const slope = (seg.toRate - seg.fromRate) / (seg.durationUs / 1e6); // per second²
  const disc = Math.max(0, a * a + 2 * slope * m);
  const seconds = (2 * m) / (a + Math.sqrt(disc));
  return Math.min(seg.durationUs, seconds * 1e6);
}
