/** Naming of parameter-sweep members, shared by the commands that sweep and the analyses that compare. */

/**
 * A distinct suite name for one member of a parameter sweep, so each member is its own series:
 * sweepSuiteName('consensus.raft', { nodes: 5 }) → 'consensus.raft[nodes=5]'. Parameters are
 * sorted; dots in values become '_' because metric names split on dots.
 */
export function sweepSuiteName(base: string, params: Record<string, string | number | boolean>): string {
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return base;
  const text = keys.map((k) => `${k}=${String(params[k]).replace(/[.\s[\],]/g, '_')}`).join(',');
  return `${base}[${text}]`;
}
