import { describe, expect, it } from 'vitest';
import { formatFindings, impactText } from '../../src/report/findings-text.js';
import type { Finding } from '../../src/core/result.js';

describe('findings for the terminal', () => {
  it('prints the impact share, the knob and the command, and a repeated advice once', () => {
    const lock: Finding = {
      kind: 'lock-wait',
      severity: 'critical',
      component: 'tasks/claim',
      evidence: 'waiting for a lock took 74 % of all operation time',
      recommendation: 'hold the lock for less time',
      impact: { share: 0.74, of: 'operation-time' },
      knob: 'sqlite?busyWait=spin',
      command: "swarmperf run tasks --backend 'sqlite?busyWait=spin'",
    };
    const twin: Finding = { kind: 'lock-contention', severity: 'warning', component: 'tasks/update', evidence: '12 retries', recommendation: 'hold the lock for less time' };
    const text = formatFindings([lock, twin]);
    expect(text.split('\n')).toEqual([
      '✗ critical lock-wait · tasks/claim',
      '  waiting for a lock took 74 % of all operation time',
      '  impact: 74 % of all operation time',
      '  → hold the lock for less time',
      '  knob: sqlite?busyWait=spin',
      "  try: swarmperf run tasks --backend 'sqlite?busyWait=spin'",
      '',
      '! warning lock-contention · tasks/update',
      '  12 retries',
      '  → (same advice as above)',
    ]);
    expect(impactText({ ...lock, impact: { share: 0.052, of: 'p99' } })).toBe('impact: 5.2 % of the p99');
    expect(impactText(twin)).toBeUndefined();
  });
});
