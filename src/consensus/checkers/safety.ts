/**
 * Raft's safety properties (Raft paper, Figure 3), checked on every run from what the nodes
 * report — never from what they claim about themselves:
 *
 *   election safety      at most one leader per term
 *   log matching         two logs with an entry of the same index and term agree on every entry up to it
 *   leader completeness  a leader's log holds every entry committed before its term
 *   state-machine safety every node applies the same entry at each index (applied logs are
 *                        prefixes of one another)
 *   durability           every write acknowledged to a client is in the committed log
 *
 * A violation names the nodes, term and index involved, so a failing seed can be replayed and
 * the moment found.
 */
import type { CheckResult } from '../../core/result.js';
import type { Entry } from '../raft/types.js';

export interface LogView {
  readonly lastIndex: number;
  term(index: number): number | undefined;
  entry(index: number): Entry | undefined;
}

export interface Violation {
  property: SafetyProperty;
  atUs: number;
  detail: string;
}

export type SafetyProperty = 'election safety' | 'log matching' | 'leader completeness' | 'state-machine safety' | 'acknowledged writes durable';

export const SAFETY_PROPERTIES: readonly SafetyProperty[] = ['election safety', 'log matching', 'leader completeness', 'state-machine safety', 'acknowledged writes durable'];

/** Same command? Identity first (the simulator shares objects), then by value (real mode copies them). */
function sameCommand(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

export class SafetyChecker {
  readonly violations: Violation[] = [];
  private readonly leaders = new Map<number, number>();
  /** The committed sequence as first applied by anyone: index → entry. */
  private readonly committed: Entry[] = [];
  private readonly nextApply = new Map<number, number>();
  private readonly acknowledged: Array<{ client: number; seq: number; atUs: number }> = [];
  /** Stop recording after this many violations (the first few tell the story). */
  private readonly maxViolations = 20;
  leaderElections = 0;
  appliedEntries = 0;
  logChecks = 0;
  logPairs = 0;
  entriesCompared = 0;

  private violate(property: SafetyProperty, atUs: number, detail: string): void {
    if (this.violations.length < this.maxViolations) this.violations.push({ property, atUs, detail });
  }

  /** A node became leader of `term`; `log` is its log at that moment. */
  leaderElected(node: number, term: number, log: LogView, atUs: number): void {
    this.leaderElections++;
    const other = this.leaders.get(term);
    if (other !== undefined && other !== node) this.violate('election safety', atUs, `nodes ${other + 1} and ${node + 1} both led term ${term}`);
    else this.leaders.set(term, node);
    for (let i = 1; i <= this.committed.length; i++) {
      const c = this.committed[i - 1] as Entry;
      if (c.term >= term) continue;
      if (log.term(i) !== c.term) {
        this.violate('leader completeness', atUs, `node ${node + 1} leads term ${term} without committed entry ${i} (term ${c.term}); it has ${log.term(i) === undefined ? 'nothing' : `term ${log.term(i)}`} there`);
        break;
      }
    }
  }

  /** A node applied an entry to its state machine. */
  applied(node: number, entry: Entry, atUs: number): void {
    this.appliedEntries++;
    const expected = this.nextApply.get(node) ?? 1;
    if (entry.index !== expected) this.violate('state-machine safety', atUs, `node ${node + 1} applied index ${entry.index} when ${expected} was next`);
    this.nextApply.set(node, entry.index + 1);
    const known = this.committed[entry.index - 1];
    if (known === undefined) {
      if (entry.index === this.committed.length + 1) this.committed.push(entry);
      return;
    }
    if (known.term !== entry.term || !sameCommand(known.command, entry.command)) {
      this.violate('state-machine safety', atUs, `node ${node + 1} applied (term ${entry.term}) at index ${entry.index}, another node applied (term ${known.term}) there`);
    }
  }

  /** A node restarted: volatile state is gone, it applies from index 1 again. */
  restarted(node: number): void {
    this.nextApply.set(node, 1);
  }

  /** A client was told its write succeeded. */
  acknowledgedWrite(client: number, seq: number, atUs: number): void {
    this.acknowledged.push({ client, seq, atUs });
  }

  /** Log matching across every pair of logs (call at checkpoints and at the end). */
  checkLogs(logs: ReadonlyArray<LogView | undefined>, atUs: number): void {
    this.logChecks++;
    for (let a = 0; a < logs.length; a++) {
      for (let b = a + 1; b < logs.length; b++) {
        const la = logs[a];
        const lb = logs[b];
        if (!la || !lb) continue;
        this.logPairs++;
        let i = Math.min(la.lastIndex, lb.lastIndex);
        while (i > 0 && la.term(i) !== lb.term(i)) i--;
        this.entriesCompared += i;
        for (let j = i; j >= 1; j--) {
          const ea = la.entry(j) as Entry;
          const eb = lb.entry(j) as Entry;
          if (ea.term !== eb.term || !sameCommand(ea.command, eb.command)) {
            this.violate('log matching', atUs, `nodes ${a + 1} and ${b + 1} agree at index ${i} (term ${la.term(i)}) but differ at index ${j}`);
            break;
          }
        }
      }
    }
  }

  /** Committed entries must also be in every log that a leader holds at the end (completeness, end state). */
  checkFinal(leaderLogs: ReadonlyArray<{ node: number; term: number; log: LogView }>, atUs: number): void {
    for (const l of leaderLogs) {
      for (let i = 1; i <= this.committed.length; i++) {
        const c = this.committed[i - 1] as Entry;
        if (c.term > l.term) continue;
        if (l.log.term(i) !== c.term) {
          this.violate('leader completeness', atUs, `leader ${l.node + 1} (term ${l.term}) lacks committed entry ${i} (term ${c.term})`);
          break;
        }
      }
    }
    const inLog = new Set<string>();
    for (const e of this.committed) {
      const c = e.command as { client?: unknown; seq?: unknown } | null;
      if (c && typeof c.client === 'number' && typeof c.seq === 'number') inLog.add(`${c.client}:${c.seq}`);
    }
    const lost = this.acknowledged.filter((w) => !inLog.has(`${w.client}:${w.seq}`));
    if (lost.length > 0) {
      const w = lost[0] as { client: number; seq: number; atUs: number };
      this.violate('acknowledged writes durable', atUs, `${lost.length} acknowledged write(s) missing from the committed log, first: client ${w.client} seq ${w.seq} acknowledged at ${w.atUs} µs`);
    }
    this.lostWrites = lost.length;
  }

  lostWrites = 0;

  get committedLength(): number {
    return this.committed.length;
  }

  get acknowledgedCount(): number {
    return this.acknowledged.length;
  }

  /** One CheckResult per property, for the SuiteResult. */
  results(): CheckResult[] {
    return SAFETY_PROPERTIES.map((property) => {
      const v = this.violations.filter((x) => x.property === property);
      if (v.length > 0) return { name: property, passed: false, detail: `${v[0]?.detail} (at ${v[0]?.atUs} µs)${v.length > 1 ? ` and ${v.length - 1} more` : ''}` };
      return { name: property, passed: true, detail: this.passDetail(property) };
    });
  }

  private passDetail(p: SafetyProperty): string {
    switch (p) {
      case 'election safety':
        return `${this.leaders.size} terms with a leader, one leader each`;
      case 'log matching':
        return `${this.logChecks} checkpoint(s), ${this.logPairs} log pairs, ${this.entriesCompared} entries compared`;
      case 'leader completeness':
        return `${this.leaderElections} new leaders held every committed entry`;
      case 'state-machine safety':
        return `${this.appliedEntries} applications agree on ${this.committed.length} committed entries`;
      case 'acknowledged writes durable':
        return `${this.acknowledged.length} acknowledged writes all committed`;
    }
  }
}
