/**
 * The real data the tool-timing tests need, carried by the repository (test/fixtures/tools/): the
 * real hyrm tool-timing log gzipped (275 KB for 3.8 MB), the perf-metrics log, a file in no
 * supported format, and the expected counts, computed with jq and awk rather than swarmperf.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = join(import.meta.dirname, '../fixtures/tools');

export interface ExpectedCounts {
  toolLog: {
    file: string;
    sha256: string;
    bytes: number;
    lines: number;
    distinctCalls: number;
    firstCall: string;
    lastCall: string;
    zeroMsCalls: number;
    perTool: Record<string, [number, number]>;
    totalMs: Record<string, [number, number]>;
    allMs: number;
  };
  perfLog: { file: string; sha256: string; lines: number; failed: number };
}

export const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as ExpectedCounts;

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Decompresses the real tool log into `dir` (checked against its recorded hash) and returns its path. */
export function realToolLog(dir: string): string {
  const data = gunzipSync(readFileSync(join(FIXTURES, EXPECTED.toolLog.file)));
  if (sha256(data) !== EXPECTED.toolLog.sha256) throw new Error(`${EXPECTED.toolLog.file}: content differs from the recorded hash`);
  const out = join(dir, 'hyrm-tool-timing.jsonl');
  writeFileSync(out, data);
  return out;
}

/** Copies the real perf-metrics log into `dir` (ingest keeps cursors by inode, so tests get their own copy). */
export function realPerfLog(dir: string): string {
  const out = join(dir, 'hyrm-perf-metrics.jsonl');
  copyFileSync(join(FIXTURES, EXPECTED.perfLog.file), out);
  if (sha256(readFileSync(out)) !== EXPECTED.perfLog.sha256) throw new Error(`${EXPECTED.perfLog.file}: content differs from the recorded hash`);
  return out;
}

/** A JSON file in none of the supported formats (the agent registry of the same system). */
export const WRONG_FORMAT_FILE = join(FIXTURES, 'hyrm-agent-registry.json');
