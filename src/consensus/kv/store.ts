/**
 * The replicated key-value store on top of Raft: a deterministic state machine over committed
 * entries. Client sessions (Raft §6.3) make retries safe: each client numbers its commands, and a
 * command already applied returns its cached result instead of applying twice.
 */

export type KvOp =
  | { op: 'put'; key: string; value: string }
  | { op: 'get'; key: string }
  | { op: 'cas'; key: string; from: string | null; to: string };

export type KvCommand = KvOp & { client: number; seq: number };

export interface KvResult {
  /** get: the value read; put/cas: the value after the command. */
  value: string | null;
  /** cas: whether the swap happened; put/get: true. */
  ok: boolean;
}

export function isKvCommand(c: unknown): c is KvCommand {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Record<string, unknown>;
  return typeof o.client === 'number' && typeof o.seq === 'number' && typeof o.key === 'string' && (o.op === 'put' || o.op === 'get' || o.op === 'cas');
}

/** Bytes a command takes on the wire (for the bandwidth model and bytesPerOp). */
export function kvCommandBytes(c: unknown): number {
  if (!isKvCommand(c)) return 8;
  const v = c.op === 'put' ? c.value.length : c.op === 'cas' ? (c.from?.length ?? 0) + c.to.length : 0;
  return 12 + c.key.length + v;
}

export interface KvSnapshot {
  appliedIndex: number;
  data: Array<[string, string]>;
  sessions: Array<[number, { seq: number; result: KvResult }]>;
}

export class KvStore {
  private readonly data = new Map<string, string>();
  private readonly sessions = new Map<number, { seq: number; result: KvResult }>();
  appliedIndex = 0;

  /** Applies a committed entry's command; returns its result (null for no-ops and unknown commands). */
  apply(index: number, command: unknown): KvResult | null {
    if (index !== this.appliedIndex + 1) throw new Error(`KvStore: applying index ${index} after ${this.appliedIndex}`);
    this.appliedIndex = index;
    if (!isKvCommand(command)) return null;
    const session = this.sessions.get(command.client);
    if (session && command.seq <= session.seq) return session.seq === command.seq ? session.result : null;
    const result = this.execute(command);
    this.sessions.set(command.client, { seq: command.seq, result });
    return result;
  }

  private execute(c: KvCommand): KvResult {
    const current = this.data.get(c.key) ?? null;
    switch (c.op) {
      case 'get':
        return { value: current, ok: true };
      case 'put':
        this.data.set(c.key, c.value);
        return { value: c.value, ok: true };
      case 'cas':
        if (current === c.from) {
          this.data.set(c.key, c.to);
          return { value: c.to, ok: true };
        }
        return { value: current, ok: false };
    }
  }

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /** The whole state (for a replica that catches up by state transfer). */
  snapshot(): KvSnapshot {
    return { appliedIndex: this.appliedIndex, data: [...this.data], sessions: [...this.sessions] };
  }

  restore(s: KvSnapshot): void {
    this.data.clear();
    this.sessions.clear();
    for (const [k, v] of s.data) this.data.set(k, v);
    for (const [k, v] of s.sessions) this.sessions.set(k, v);
    this.appliedIndex = s.appliedIndex;
  }

  /** The last result of a client's session, for answering a retried command again. */
  lastResult(client: number): { seq: number; result: KvResult } | undefined {
    return this.sessions.get(client);
  }

  get size(): number {
    return this.data.size;
  }
}
