/**
 * Every test's temporary files go under one folder made for this run (TMPDIR, which os.tmpdir()
 * and the worker processes inherit) and removed at the end: hundreds of test databases, logs and
 * servers' folders would otherwise pile up in /tmp run after run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'swarmperf-tests-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
