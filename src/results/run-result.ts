/** Assembling a RunResult from suite results. */
import { randomBytes } from 'node:crypto';
import { envFingerprint } from './env.js';
import { SCHEMA_VERSION, type RunResult, type SuiteResult } from '../core/result.js';

/** Sortable, unique run id: UTC time to the second plus random suffix, e.g. 20261121-191502-a1b2c3. */
export function newRunId(at = new Date()): string {
  const iso = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${iso}-${randomBytes(3).toString('hex')}`;
}

export interface RunResultInput {
  /** The run's id when it was chosen at start (a run session announces it before the result exists). */
  id?: string;
  startedAt: Date;
  finishedAt: Date;
  partial: boolean;
  config: Record<string, unknown>;
  suites: SuiteResult[];
  tags?: Record<string, string>;
}

export function buildRunResult(input: RunResultInput): RunResult {
  const result: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    id: input.id ?? newRunId(input.startedAt),
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    partial: input.partial,
    env: envFingerprint(),
    config: input.config,
    suites: input.suites,
  };
  if (input.tags && Object.keys(input.tags).length > 0) result.tags = input.tags;
  return result;
}

/** True when every check of every suite passed. */
export function allChecksPassed(result: RunResult): boolean {
  return result.suites.every((s) => s.checks.every((c) => c.passed));
}
