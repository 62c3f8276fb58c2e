/**
 * The side-by-side comparison of `bench --protocol a,b,c --nodes …`: one row per protocol and
 * cluster size from the suites just measured, and recommendations whose every number comes from
 * those rows (no fixed text picks a winner). Kept as a suite, `consensus.compare`, so history,
 * compare and reports carry it like any other.
 */
import type { SuiteResult } from '../../core/result.js';

export const COMPARE_SUITE = 'consensus.compare';

export interface ComparisonRow {
  protocol: string;
  nodes: number;
  scenario: string;
  committedOpsPerSec: number;
  p50Us: number;
  p99Us: number;
  messagesPerOp: number;
  bytesPerOp: number;
  /** Crash faults survived by design (Raft ⌊(n−1)/2⌋, PBFT ⌊(n−1)/3⌋ Byzantine, gossip n−1 for dissemination). */
  crashTolerance: number;
  byzantineTolerance: number;
  cpuPctMean: number;
  rssMaxBytes: number;
  checksPassed: boolean;
  /** Orders commands under a closed-loop load (ops/s comparable) or disseminates at an offered rate. */
  ordersCommands: boolean;
}

/** What the comparison needs to know of a protocol (from its registry entry). */
export interface ComparedProtocol {
  name: string;
  suite: string;
  scenario: string;
  ordersCommands: boolean;
  tolerance(n: number): { crash: number; byzantine: number };
}

const MAIN_OPS = ['put', 'request', 'broadcast', 'get'];

function row(p: ComparedProtocol, s: SuiteResult): ComparisonRow {
  const nodes = Number(/:(\d+)-nodes/.exec(s.backend)?.[1] ?? 0);
  const m = s.metrics ?? {};
  const op = MAIN_OPS.map((name) => s.operations.find((o) => o.name === name)).find((o) => o !== undefined);
  const t = p.tolerance(nodes);
  return {
    protocol: p.name,
    nodes,
    scenario: p.scenario,
    ordersCommands: p.ordersCommands,
    committedOpsPerSec: m.committedOpsPerSec ?? 0,
    p50Us: op?.latencyUs.p50 ?? 0,
    p99Us: op?.latencyUs.p99 ?? 0,
    messagesPerOp: m.messagesPerOp ?? 0,
    bytesPerOp: m.bytesPerOp ?? 0,
    crashTolerance: t.crash,
    byzantineTolerance: t.byzantine,
    cpuPctMean: s.resources.summary?.cpuPctMean ?? 0,
    rssMaxBytes: s.resources.summary?.rssMaxBytes ?? 0,
    checksPassed: s.checks.every((c) => c.passed),
  };
}

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));

/** Recommendations in words, each one quoting the measured figures it follows from. */
export function recommend(rows: readonly ComparisonRow[]): string[] {
  const out: string[] = [];
  const sizes = [...new Set(rows.map((r) => r.nodes))].sort((a, b) => a - b);
  for (const n of sizes) {
    const at = rows.filter((r) => r.nodes === n && r.ordersCommands && r.committedOpsPerSec > 0 && r.checksPassed).sort((a, b) => b.committedOpsPerSec - a.committedOpsPerSec);
    const [best, next] = at;
    if (best && next) {
      out.push(
        `n=${n}: ${best.protocol} commits ${fmt(best.committedOpsPerSec)} ops/s, ${fmt(best.committedOpsPerSec / Math.max(1e-9, next.committedOpsPerSec))}× ${next.protocol} (${fmt(next.committedOpsPerSec)}), with ${fmt(best.messagesPerOp)} vs ${fmt(next.messagesPerOp)} messages per op — prefer ${best.protocol} for throughput at this size when its fault model is enough.`,
      );
    }
    const byz = rows.find((r) => r.nodes === n && r.byzantineTolerance > 0 && r.checksPassed);
    const crash = rows.find((r) => r.nodes === n && r.protocol === 'raft');
    if (byz && crash && crash.messagesPerOp > 0) {
      out.push(
        `n=${n}: only ${byz.protocol} survives Byzantine members (f=${byz.byzantineTolerance}); it costs ${fmt(byz.messagesPerOp / crash.messagesPerOp)}× raft's messages per op and p50 ${fmt(byz.p50Us / 1000)} ms vs ${fmt(crash.p50Us / 1000)} ms — use it only where members may lie.`,
      );
    }
  }
  const largest = sizes[sizes.length - 1];
  for (const g of rows.filter((r) => !r.ordersCommands && r.nodes === largest && r.checksPassed)) {
    const ordered = rows.filter((r) => r.ordersCommands && r.nodes === largest && r.messagesPerOp > 0).sort((a, b) => a.messagesPerOp - b.messagesPerOp)[0];
    out.push(
      `n=${g.nodes}: ${g.protocol} orders nothing but reaches every member in p50 ${fmt(g.p50Us / 1000)} ms / p99 ${fmt(g.p99Us / 1000)} ms with ${fmt(g.messagesPerOp)} messages per update${ordered ? ` (${ordered.protocol}: ${fmt(ordered.messagesPerOp)} per committed op)` : ''} and survives ${g.crashTolerance} crashes — use it for membership and dissemination in large swarms, not for decisions that need one order.`,
    );
  }
  for (const proto of [...new Set(rows.map((r) => r.protocol))]) {
    const series = rows.filter((r) => r.protocol === proto && r.messagesPerOp > 0).sort((a, b) => a.nodes - b.nodes);
    const first = series[0];
    const last = series[series.length - 1];
    if (first && last && last.nodes > first.nodes) {
      const growth = last.messagesPerOp / first.messagesPerOp;
      const exponent = Math.log(growth) / Math.log(last.nodes / first.nodes);
      out.push(`${proto}: messages per op grow ${fmt(growth)}× from n=${first.nodes} to n=${last.nodes} (≈ n^${exponent.toFixed(2)}); throughput goes ${fmt(first.committedOpsPerSec)} → ${fmt(last.committedOpsPerSec)} ops/s.`);
    }
  }
  return out;
}

export function compareProtocols(suites: readonly SuiteResult[], plans: readonly ComparedProtocol[]): SuiteResult {
  const rows: ComparisonRow[] = [];
  for (const p of plans) for (const s of suites) if (s.name === p.suite || s.name.startsWith(`${p.suite}[`)) rows.push(row(p, s));
  const metrics: Record<string, number> = {};
  for (const r of rows) {
    const k = `${r.protocol}.n${r.nodes}`;
    metrics[`${k}.committedOpsPerSec`] = Math.round(r.committedOpsPerSec * 1000) / 1000;
    metrics[`${k}.messagesPerOp`] = Math.round(r.messagesPerOp * 1000) / 1000;
    metrics[`${k}.bytesPerOp`] = Math.round(r.bytesPerOp);
    metrics[`${k}.p99Us`] = r.p99Us;
  }
  const recommendations = recommend(rows);
  return {
    name: COMPARE_SUITE,
    backend: `sim:${[...new Set(rows.map((r) => r.nodes))].join(',')}-nodes`,
    operations: [],
    intervals: [],
    checks: [{ name: 'every protocol passed its checks', passed: rows.every((r) => r.checksPassed), detail: rows.filter((r) => !r.checksPassed).map((r) => `${r.protocol} n=${r.nodes} failed a check`).join('; ') || `${rows.length} rows, all checks passed` }],
    resources: { sampleIntervalMs: 0, samples: [] },
    metrics,
    workers: [...rows.map((r) => ({ ...r })), ...recommendations.map((text) => ({ recommendation: text }))],
  };
}

/** The comparison as a plain-text table (the CLI prints it; reports show the suite's rows). */
export function comparisonTable(suite: SuiteResult): string {
  const rows = (suite.workers ?? []).filter((w) => 'protocol' in w) as unknown as ComparisonRow[];
  const head = ['protocol', 'n', 'scenario', 'load', 'ops/s', 'p50 ms', 'p99 ms', 'msgs/op', 'bytes/op', 'crash f', 'byz f', 'checks'];
  const lines = rows.map((r) => [r.protocol, String(r.nodes), r.scenario, r.ordersCommands ? 'closed' : 'offered', fmt(r.committedOpsPerSec), fmt(r.p50Us / 1000), fmt(r.p99Us / 1000), fmt(r.messagesPerOp), fmt(r.bytesPerOp), String(r.crashTolerance), String(r.byzantineTolerance), r.checksPassed ? 'pass' : 'FAIL']);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const render = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  const recs = (suite.workers ?? []).filter((w) => 'recommendation' in w).map((w) => `  • ${String(w.recommendation)}`);
  return [render(head), ...lines.map(render), '', 'recommendations (from the figures above):', ...recs].join('\n');
}
