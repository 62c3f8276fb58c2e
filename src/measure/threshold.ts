/** Threshold comparisons shared by SLOs (`p99<50ms`) and alert rules (`tasks.claim.p99 < 5ms`). */

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==';

/** Whether `value OP threshold` holds. */
export function holds(value: number, op: ThresholdOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
  }
}
