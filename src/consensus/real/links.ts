/**
 * The state of a real-time network between n nodes, kept apart from how the bytes move: which
 * nodes are down, which partitions cut which links, the loss/duplicate/reorder rates (a base rate
 * raised by fault windows, the highest applying) and each link's FIFO arrival time. It answers,
 * per message, "drop it, or deliver copies after these delays". Real mode's TCP fault proxy and
 * the external (Maelstrom) nodes' router both route through it, so a fault schedule means the
 * same thing to both — and the same as in the simulator's network (sim/network.ts).
 */
import type { Rng } from '../../measure/rng.js';
import { sampleLatency, type LatencySpec } from '../../sim/latency.js';
import type { RateKind } from '../../sim/network.js';
import type { FaultableLinks } from '../../sim/faults.js';

export class LinkRules implements FaultableLinks {
  private readonly down: boolean[];
  private partitions: Array<{ id: number; groupOf: number[] }> = [];
  private nextId = 1;
  private readonly rates: Record<RateKind, Map<number, number>> = { loss: new Map(), duplicate: new Map(), reorder: new Map() };
  private readonly lastArrival = new Map<string, number>();

  constructor(
    private readonly nodes: number,
    private readonly latency: LatencySpec,
    private readonly rng: Rng,
    private readonly base: Record<RateKind, number>,
  ) {
    this.down = new Array<boolean>(nodes).fill(false);
  }

  setDown(j: number, down: boolean): void {
    this.down[j] = down;
  }

  isDown(j: number): boolean {
    return this.down[j] === true;
  }

  partition(groups: readonly (readonly number[])[]): number {
    const groupOf = new Array<number>(this.nodes).fill(-1);
    groups.forEach((g, i) => g.forEach((n) => (groupOf[n] = i)));
    const id = this.nextId++;
    this.partitions.push({ id, groupOf });
    return id;
  }

  heal(id?: number): void {
    this.partitions = id === undefined ? [] : this.partitions.filter((p) => p.id !== id);
  }

  beginRate(kind: RateKind, value: number): number {
    const id = this.nextId++;
    this.rates[kind].set(id, value);
    return id;
  }

  endRate(kind: RateKind, id: number): void {
    this.rates[kind].delete(id);
  }

  /** Ends every partition and rate window (the base rates stay). */
  healAll(): void {
    this.partitions = [];
    for (const m of Object.values(this.rates)) m.clear();
  }

  rate(kind: RateKind): number {
    let r = this.base[kind];
    for (const v of this.rates[kind].values()) if (v > r) r = v;
    return r;
  }

  /** Whether a partition separates two nodes now. */
  cut(a: number, b: number): boolean {
    return this.partitions.some((p) => p.groupOf[a] !== p.groupOf[b]);
  }

  /** Whether a message from `from` may reach `to` now (checked again at arrival: a fault that began in flight drops it). */
  open(from: number, to: number): boolean {
    return !this.down[to] && !this.down[from] && !this.cut(from, to);
  }

  /**
   * What happens to one message sent now: [] = dropped (down, cut or lost), otherwise the delay of
   * each copy in µs. Links are FIFO (a message never overtakes an earlier one on its link) except
   * for a reordered message, which gets one more latency draw and skips the rule.
   */
  plan(from: number, to: number): number[] {
    if (!this.open(from, to) || this.rng.next() < this.rate('loss')) return [];
    const copies = this.rng.next() < this.rate('duplicate') ? 2 : 1;
    const delays: number[] = [];
    for (let c = 0; c < copies; c++) {
      let delayUs = sampleLatency(this.latency, this.rng);
      const now = performance.now() * 1000;
      const key = `${from}>${to}`;
      if (this.rng.next() < this.rate('reorder')) delayUs += sampleLatency(this.latency, this.rng);
      else {
        const last = this.lastArrival.get(key) ?? 0;
        if (now + delayUs < last) delayUs = last - now;
        this.lastArrival.set(key, now + delayUs);
      }
      delays.push(delayUs);
    }
    return delays;
  }
}
