/**
 * A fault schedule (sim/faults.ts) played on the real clock against real nodes: each fault starts
 * at its time and, when it has a window, is undone at its end. Link faults (partition, isolate,
 * rate windows) act on the links; crash, restart and pause are the host's (a worker thread for real
 * Raft, a process for external nodes). Leader/random targets resolve when the fault starts.
 */
import type { Rng } from '../../measure/rng.js';
import { resolveFaultTarget, startLinkFault, type ClusterView, type FaultEvent, type FaultRecord, type FaultableLinks } from '../../sim/faults.js';

/** The nodes a real-time schedule acts on. */
export interface RealFaultHost extends ClusterView {
  crash(node: number): Promise<void> | void;
  restart(node: number): Promise<void> | void;
  /** Freeze and thaw a node (processes: SIGSTOP/SIGCONT); hosts without it reject `pause` up front. */
  pause?(node: number): void;
  resume?(node: number): void;
}

export class RealFaultTimer {
  /** Every start and end, in order, for recovery times and the report. */
  readonly log: FaultRecord[] = [];
  /** Faults that could not be applied, why. */
  readonly errors: string[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Starts and ends under way (a restart waits for the new process): stop() waits for them. */
  private readonly inflight = new Set<Promise<void>>();
  private readonly undos = new Map<FaultEvent, { undo: () => Promise<void> | void; nodes: number[] }>();
  private stopped = false;

  /** Schedules every event at its start (µs after now) — `rel()` is the run's clock for the log. */
  constructor(
    events: readonly FaultEvent[],
    private readonly host: RealFaultHost,
    private readonly links: FaultableLinks,
    private readonly rng: Rng,
    private readonly rel: () => number,
  ) {
    for (const ev of events) this.later(ev.startUs, () => this.start(ev));
  }

  private later(us: number, fn: () => Promise<void>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stopped) return;
      // A fault that cannot be applied (a node that will not restart) is reported, not thrown.
      const p = fn().catch((err: unknown) => void this.errors.push(err instanceof Error ? err.message : String(err)));
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }, us / 1000);
    this.timers.add(t);
  }

  private async start(ev: FaultEvent): Promise<void> {
    const a = ev.action;
    const h = this.host;
    let undo: (() => Promise<void> | void) | undefined;
    let nodes: number[] = [];
    switch (a.kind) {
      case 'crash': {
        const n = resolveFaultTarget(a.target, h, this.rng);
        if (n !== undefined && h.isUp(n)) {
          nodes = [n];
          await h.crash(n);
          undo = () => h.restart(n);
        }
        break;
      }
      case 'restart':
        nodes = [a.node];
        await h.restart(a.node);
        break;
      case 'pause': {
        const n = resolveFaultTarget(a.target, h, this.rng);
        if (n !== undefined && h.isUp(n) && h.pause && h.resume) {
          nodes = [n];
          h.pause(n);
          const resume = h.resume.bind(h);
          undo = () => resume(n);
        }
        break;
      }
      default: {
        const started = startLinkFault(a, this.links, h, this.rng);
        nodes = started?.nodes ?? [];
        undo = started?.undo;
      }
    }
    this.log.push({ atUs: this.rel(), phase: 'start', text: ev.text, nodes, kind: a.kind });
    if (ev.endUs !== undefined && undo) {
      this.undos.set(ev, { undo, nodes });
      const u = undo;
      this.later(ev.endUs - ev.startUs, async () => {
        this.undos.delete(ev);
        await u();
        this.log.push({ atUs: this.rel(), phase: 'end', text: ev.text, nodes, kind: a.kind });
      });
    }
  }

  /**
   * Stops the schedule: no fault starts any more, those under way finish; with `undo`, every fault
   * still in force is ended now (heal, resume, restart) so the run can be checked on a whole cluster.
   */
  async stop(undo = false): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.inflight);
    for (const t of this.timers) clearTimeout(t); // ends scheduled by starts that were under way
    this.timers.clear();
    if (!undo) return;
    for (const [ev, u] of this.undos) {
      await u.undo();
      this.log.push({ atUs: this.rel(), phase: 'end', text: ev.text, nodes: u.nodes, kind: ev.action.kind });
    }
    this.undos.clear();
  }
}
