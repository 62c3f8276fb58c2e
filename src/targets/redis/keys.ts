/**
 * The Redis key layout of one namespace. Every key starts with `swarmperf:{<ns>}:`; the braces are
 * a hash tag, so on a Redis Cluster every key of a run lives in one slot and the Lua scripts that
 * touch several keys stay legal. Counters (`…:ctr:*`) survive reset(): task ids and epochs are
 * tokens other agents may still hold and must never repeat.
 */
export class RedisKeys {
  readonly prefix: string;
  constructor(readonly namespace: string) {
    this.prefix = `swarmperf:{${namespace}}:`;
  }
  get agents(): string {
    return `${this.prefix}agents`;
  }
  get heartbeats(): string {
    return `${this.prefix}heartbeats`;
  }
  get taskSeq(): string {
    return `${this.prefix}ctr:task`;
  }
  get pending(): string {
    return `${this.prefix}tasks:pending`;
  }
  get allTasks(): string {
    return `${this.prefix}tasks:all`;
  }
  /** Task hashes are `<prefix>task:<seq>`; scripts build them from this. */
  get taskPrefix(): string {
    return `${this.prefix}task:`;
  }
  task(seq: number): string {
    return `${this.prefix}task:${seq}`;
  }
  /** Memory entries are hashes at `<prefix>m:<namespace>/<key>`: the full key verbatim, so SCAN MATCH can test it. */
  get memoryPrefix(): string {
    return `${this.prefix}m:`;
  }
  memory(fullKey: string): string {
    return `${this.prefix}m:${fullKey}`;
  }
  get lease(): string {
    return `${this.prefix}lease`;
  }
  get epoch(): string {
    return `${this.prefix}ctr:epoch`;
  }
  busSeq(topic: string): string {
    return `${this.prefix}ctr:bus:${topic}`;
  }
  stream(topic: string): string {
    return `${this.prefix}bus:${topic}`;
  }
  channel(topic: string): string {
    return `${this.prefix}chan:${topic}`;
  }
}
