/**
 * Interval windows scale with the run: at least 10 windows per measured duration (an interval
 * chart of a 2 s run has 10 points, not one 5 s window), never longer than 5 s, and a 1-2-5 step
 * so windows line up with round seconds.
 */
const MAX_INTERVAL_US = 5_000_000;
const MIN_INTERVAL_US = 1_000;
const MIN_WINDOWS = 10;

export function defaultIntervalUs(durationUs: number): number {
  if (!(durationUs > 0) || !Number.isFinite(durationUs)) return MAX_INTERVAL_US;
  const ceiling = Math.min(MAX_INTERVAL_US, durationUs / MIN_WINDOWS);
  // The largest 1-2-5 step not above the ceiling, so the count of windows is at least MIN_WINDOWS.
  const decade = 10 ** Math.floor(Math.log10(ceiling));
  const step = [5, 2, 1].map((m) => m * decade).find((v) => v <= ceiling) ?? decade;
  return Math.max(MIN_INTERVAL_US, Math.round(step));
}
