/**
 * A synthetic tool-timing log shaped like the real hyrm one (tool mix, sessions, duplicated hook
 * lines, chronological), of any size, written in streaming fashion — for benchmarks and tests,
 * which check the ingest's counts against the truth returned here.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Rng } from '../measure/rng.js';

// (tool, category, median ms) — the real log's most used tools.
const TOOLS: Array<[string, string, number]> = [
  ['bash', 'shell', 40], ['read', 'file_ops', 7], ['edit', 'file_ops', 24], ['todowrite', 'todo', 5], ['agent_status', 'agent', 2],
  ['agent_register', 'agent', 8], ['grep', 'file_ops', 31], ['task_list', 'task', 3], ['user_messages_read', 'user_msg', 2],
  ['agent_send', 'agent', 5], ['glob', 'file_ops', 45], ['task_update', 'task', 10], ['write', 'file_ops', 20], ['git_commit', 'git', 225],
  ['task', 'spawn', 170_000], ['webfetch', 'web', 390],
];

export interface SyntheticLogOptions {
  /** Stop after about this many bytes. */
  bytes: number;
  seed?: number;
  /** Fraction of calls logged 4 times (several hook instances), as in the real log (~64 %). */
  duplicateRate?: number;
  /** Epoch ms of the first call. */
  startMs?: number;
  /** Mean gap between calls, ms. */
  gapMs?: number;
}

export interface SyntheticLogTruth {
  bytes: number;
  lines: number;
  distinctCalls: number;
  perTool: Record<string, number>;
  errors: number;
  firstMs: number;
  lastMs: number;
}

export function writeSyntheticToolLog(path: string, o: SyntheticLogOptions): SyntheticLogTruth {
  const rng = new Rng(o.seed ?? 1);
  const dup = o.duplicateRate ?? 0.64;
  const gap = o.gapMs ?? 400;
  let t = o.startMs ?? Date.UTC(2026, 0, 2, 9);
  const truth: SyntheticLogTruth = { bytes: 0, lines: 0, distinctCalls: 0, perTool: {}, errors: 0, firstMs: t, lastMs: t };
  const fd = openSync(path, 'w');
  const parts: string[] = [];
  let pending = 0;
  let session = 'ses_' + rng.int(1e9, 9e9).toString(36);
  try {
    let n = 0;
    while (truth.bytes < o.bytes) {
      n++;
      if (rng.bool(0.001)) session = 'ses_' + rng.int(1e9, 9e9).toString(36);
      const [tool, category, median] = TOOLS[Math.min(TOOLS.length - 1, Math.floor(rng.exponential(3)))]!;
      const dur = Math.max(0, Math.round(median * Math.exp(rng.normal(0, 0.8))));
      const start = t;
      t += Math.round(rng.exponential(gap));
      const success = !rng.bool(0.15);
      const callId = `toolu_${n.toString(36).padStart(8, '0')}${rng.int(0, 1e9).toString(36)}`;
      const copies = rng.bool(dup) ? 4 : 1;
      const sid = rng.bool(0.6) ? 'null' : `"${session}"`;
      for (let c = 0; c < copies; c++) {
        const end = start + dur + c;
        const line = `{"timestamp":"${new Date(end).toISOString()}","session_id":${sid},"tool":"${tool}","call_id":"${callId}","start_time":${start},"end_time":${end},"duration_ms":${dur + c},"input_size":${rng.int(2, 400)},"output_size":${rng.int(2, 9000)},"success":${success},"category":"${category}"}\n`;
        parts.push(line);
        pending += line.length;
        truth.bytes += line.length;
        truth.lines++;
      }
      truth.distinctCalls++;
      truth.perTool[tool] = (truth.perTool[tool] ?? 0) + 1;
      if (!success) truth.errors++;
      truth.lastMs = start + dur;
      if (pending >= 1 << 20) {
        writeSync(fd, parts.join(''));
        parts.length = 0;
        pending = 0;
      }
    }
    if (parts.length > 0) writeSync(fd, parts.join(''));
  } finally {
    closeSync(fd);
  }
  return truth;
}
