/**
 * The HTML findings table, one row per cause: findings of one kind (the same advice for many
 * operations, e.g. a throughput degradation in four operations) share a row that names every
 * component they touch, lists each one's evidence, and gives the advice, knob and command once.
 * Rows keep the findings' order (most severe, then largest impact, first).
 */
import type { Finding } from '../core/result.js';
import { escapeHtml as h } from './escape.js';
import { impactText } from './findings-text.js';
import { table, td } from './html-table.js';

export interface CauseGroup {
  kind: string;
  /** The most severe of the group's findings. */
  severity: Finding['severity'];
  findings: Finding[];
}

const RANK: Record<Finding['severity'], number> = { critical: 0, warning: 1, info: 2 };

/** Findings grouped by kind, in the order each kind first appears. */
export function groupByCause(findings: readonly Finding[]): CauseGroup[] {
  const groups = new Map<string, CauseGroup>();
  for (const f of findings) {
    const g = groups.get(f.kind);
    if (!g) groups.set(f.kind, { kind: f.kind, severity: f.severity, findings: [f] });
    else {
      g.findings.push(f);
      if (RANK[f.severity] < RANK[g.severity]) g.severity = f.severity;
    }
  }
  return [...groups.values()];
}

const unique = (xs: ReadonlyArray<string | undefined>): string[] => [...new Set(xs.filter((x): x is string => x !== undefined && x !== ''))];

/** Where a finding applies: its component, and the operations it names beyond it. */
function whereOf(f: Finding): string {
  const ops = (f.operations ?? []).filter((o) => !f.component?.endsWith(`/${o}`));
  return `${f.component ?? '—'}${ops.length > 0 && f.operations!.length > 1 ? ` (${ops.join(', ')})` : ''}`;
}

function groupRow(g: CauseGroup): string[] {
  const many = g.findings.length > 1;
  const evidence = many
    ? `<ul>${g.findings.map((f) => `<li>${f.component ? `<code>${h(f.component)}</code>: ` : ''}${h(f.evidence)}${impactText(f) ? ` <span class="muted">(${h(impactText(f) as string)})</span>` : ''}</li>`).join('')}</ul>`
    : h((g.findings[0] as Finding).evidence);
  const advice = [
    ...unique(g.findings.map((f) => f.recommendation)).map((r) => h(r)),
    ...unique(g.findings.map((f) => f.knob)).map((k) => `knob: <code>${h(k)}</code>`),
    ...unique(g.findings.map((f) => f.command)).map((c) => `try: <code>${h(c)}</code>`),
  ].join('<br>');
  const top = g.findings.filter((f) => f.impact !== undefined).sort((a, b) => (b.impact?.share ?? 0) - (a.impact?.share ?? 0))[0];
  return [
    td(`<span class="sev sev-${g.severity}">${h(g.severity)}</span>`, 'text'),
    td(`${h(g.kind)}${many ? ` <span class="muted">×${g.findings.length}</span>` : ''}`, 'text'),
    td(top && !many ? h(impactText(top) as string) : top ? `up to ${h((impactText(top) as string).replace(/^impact: /, ''))}` : '—', 'text'),
    td(unique(g.findings.map(whereOf)).map((w) => h(w)).join('<br>'), 'name'),
    td(evidence, 'text'),
    td(advice, 'text'),
  ];
}

export function findingsByCauseHtml(findings: readonly Finding[]): string {
  return table(['severity', 'cause', 'impact', 'where', 'evidence', 'advice'], groupByCause(findings).map(groupRow), 6);
}
