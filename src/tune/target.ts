/**
 * What a tuning session measures: a suite on a backend, or a protocol scenario in the simulator.
 * Each target lists the parameters it declares (as TunableParams, from the declarations that
 * already exist — RUN_PARAMS and the suite's `defineParams`, the backend's tuning, the protocol's
 * zod schema), validates a configuration the way `run`/`bench` would, runs one trial through the
 * one run path (results/run-suites for suites, consensus' runConsensusBench for protocols, then
 * the caller's delivery: a CLI run session or recordRun), and says the command that repeats a trial.
 */
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';
import type { ProgressSink } from '../core/events.js';
import { kebab, type Param } from '../core/params.js';
import { parseBytes, parseDurationUs, parseIntFlag, parsePositiveNumber } from '../core/parse.js';
import type { RunResult } from '../core/result.js';
import { consensusBenchDefaults, getProtocol, listProtocols, runConsensusBench, sharedParams, type ProtocolDefinition } from '../consensus/index.js';
import { parseLatencyFlag, parseShareFlag } from '../consensus/bench/params.js';
import { parseTimeoutRange } from '../consensus/protocols/raft.js';
import { buildRunResult } from '../results/run-result.js';
import { RUN_PARAMS, backendList, executeSuiteRun, planSuiteRun, recordRun, selectSuites } from '../results/run-suites.js';
import type { AnySuite } from '../suites/types.js';
import { getBackend } from '../targets/backend.js';
import type { Config, TunableParam } from './space.js';

/** Where a trial's run goes. Default: recordRun (enrichers, history, memory-store summary). */
export interface TrialDelivery {
  open(meta: { command: string; suites: string[]; plannedDurationUs: number }): Promise<{
    runId?: string;
    startedAt?: Date;
    progress?: (suite: string, plannedUs: number) => ProgressSink;
    deliver(result: RunResult): Promise<void>;
  }>;
}

export interface TrialEnv {
  dataDir: string;
  /** History file, or false for none (default <dataDir>/history.db). */
  history?: string | false;
  tags: Record<string, string>;
  signal: AbortSignal;
  warn?: (message: string) => void;
  delivery?: TrialDelivery;
}

/** Measurement settings of every trial. */
export interface TrialSettings {
  /** Undefined: the suite's (3 s) or the scenario's default. */
  durationUs?: number;
  warmupUs?: number;
}

export interface TuneTarget {
  kind: 'suite' | 'protocol';
  /** The suite or protocol name. */
  name: string;
  /** The suite name its runs record (tasks, consensus.raft). */
  suite: string;
  params: ReadonlyMap<string, TunableParam>;
  /** Checks a full configuration (fixed and tuned values) without running; UsageError naming the value. */
  validate(config: Config): Promise<void>;
  run(config: Config, seed: number, env: TrialEnv): Promise<RunResult>;
  /** The command that repeats one trial. */
  command(config: Config, seed: number): string;
}

const NO_PROGRESS: ProgressSink = { update() {}, log() {}, done() {} };
const SUITE_DURATION_US = 3_000_000;
const SUITE_WARMUP_US = 500_000;

function fmtUs(us: number): string {
  return us % 1_000_000 === 0 ? `${us / 1_000_000}s` : us % 1000 === 0 ? `${us / 1000}ms` : `${us}us`;
}

/** A shell word: quoted when it holds anything a shell would read. */
export function shellWord(v: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** A declared parameter (core/params.ts) as the search sees it. */
export function fromDeclared(name: string, where: TunableParam['where'], p: Param<unknown>): TunableParam {
  const check = (label: string, t: string): void => void p.parse(label, t);
  switch (p.kind) {
    case 'int':
      return p.json.type === 'integer' ? { name, where, kind: 'int', min: p.json.min, max: p.json.max, check } : { name, where, kind: 'int', check };
    case 'number':
      return p.json.type === 'number' ? { name, where, kind: 'number', above: p.json.above, max: p.json.max, check } : { name, where, kind: 'number', check };
    case 'duration':
      return { name, where, kind: 'duration', check };
    case 'choice':
      return { name, where, kind: 'choice', values: p.values ?? [], check };
    case 'switch':
      return { name, where, kind: 'choice', values: ['true', 'false'], check };
    default:
      return { name, where, kind: 'text', check };
  }
}

// ── suites ─────────────────────────────────────────────────────────────────────────────────────

/** Run settings that are the measurement, not the system: set with their own flags, never tuned. */
const MEASUREMENT = new Set(['backend', 'duration', 'warmup', 'interval', 'iterations', 'seed', 'keepStore']);

export function suiteTarget(suiteName: string, backend: string, settings: TrialSettings): TuneTarget {
  const [suite] = selectSuites([suiteName]) as [AnySuite];
  if (backendList(backend).length > 1) throw new UsageError(`--backend: tune one backend at a time, got "${backend}"`);
  const q = backend.indexOf('?');
  const head = q >= 0 ? backend.slice(0, q) : backend;
  const kind = head.split(':', 1)[0] as string;
  const def = getBackend(kind);
  if (!def) throw new UsageError(`--backend: unknown backend "${backend}"`);
  const params = new Map<string, TunableParam>();
  for (const [key, p] of Object.entries(RUN_PARAMS.shape)) if (!MEASUREMENT.has(key)) params.set(key, fromDeclared(key, 'run', p));
  for (const [key, p] of Object.entries(suite.params.shape)) params.set(key, fromDeclared(key, 'suite', p));
  for (const [key, p] of Object.entries(def.tuning.shape)) params.set(p.flag ?? key, fromDeclared(p.flag ?? key, 'backend', p));
  const baseQuery = new URLSearchParams(q >= 0 ? backend.slice(q + 1) : '');
  const durationUs = settings.durationUs ?? SUITE_DURATION_US;
  const warmupUs = settings.warmupUs ?? SUITE_WARMUP_US;

  const specOf = (config: Config): string => {
    const query = new URLSearchParams(baseQuery);
    for (const [k, v] of Object.entries(config)) if (params.get(k)?.where === 'backend') query.set(k, v);
    const text = [...query.entries()].map(([k, v]) => `${k}=${v}`).join('&');
    return text === '' ? head : `${head}?${text}`;
  };
  const pick = (config: Config, where: TunableParam['where']): Record<string, string> => Object.fromEntries(Object.entries(config).filter(([k]) => params.get(k)?.where === where));
  const plan = (config: Config, seed: number) =>
    planSuiteRun({ suites: [suite.name], settings: { ...pick(config, 'run'), backend: specOf(config), duration: fmtUs(durationUs), warmup: fmtUs(warmupUs), seed: String(seed) }, params: pick(config, 'suite') });

  return {
    kind: 'suite',
    name: suite.name,
    suite: suite.name,
    params,
    validate: async (config) => void plan(config, 0),
    async run(config, seed, env) {
      const p = plan(config, seed);
      const session = await (env.delivery ?? defaultDelivery(env)).open({ command: 'tune', suites: [suite.name], plannedDurationUs: durationUs + warmupUs });
      return executeSuiteRun(p, {
        dataDir: env.dataDir,
        signal: env.signal,
        tags: env.tags,
        command: 'tune',
        ...(env.history !== undefined ? { history: env.history } : {}),
        ...(env.warn ? { warn: env.warn } : {}),
        ...(session.runId !== undefined ? { runId: session.runId } : {}),
        ...(session.startedAt !== undefined ? { startedAt: session.startedAt } : {}),
        ...(session.progress ? { progressFor: session.progress } : {}),
        deliver: (r) => session.deliver(r),
      });
    },
    command(config, seed) {
      const words = ['swarmperf', 'run', suite.name, '--backend', shellWord(specOf(config))];
      for (const [k, v] of Object.entries(config)) {
        const where = params.get(k)?.where;
        if (where === 'run') words.push(RUN_PARAMS.flagOf(k as keyof typeof RUN_PARAMS.shape), shellWord(v));
        if (where === 'suite') words.push(suite.params.flagOf(k), shellWord(v));
      }
      words.push('--duration', fmtUs(durationUs), '--warmup', fmtUs(warmupUs), '--seed', String(seed));
      return words.join(' ');
    },
  };
}

/** Without a run session: enrichers, then the sinks (history, memory-store summary), as MCP and the library do. */
function defaultDelivery(env: TrialEnv): TrialDelivery {
  return {
    open: async () => ({
      deliver: (r: RunResult) => recordRun(r, { dataDir: env.dataDir, ...(env.history !== undefined ? { history: env.history } : {}), ...(env.warn ? { warn: env.warn } : {}) }),
    }),
  };
}

// ── protocols ──────────────────────────────────────────────────────────────────────────────────

/** Bench keys that choose what runs, not how the system behaves: given with their own flags. */
const PROTOCOL_OWN = new Set(['scenario', 'mode', 'linkLatency', 'byzantine', 'realFsync']);

/** One zod-declared protocol parameter (flag text, a placeholder saying its kind) as the search sees it. */
export function fromZod(name: string, field: z.ZodType, maxNodes: number): TunableParam {
  const def = field.def as { type: string; innerType?: z.ZodType };
  const inner = def.type === 'default' || def.type === 'optional' ? (def.innerType?.def.type ?? def.type) : def.type;
  const placeholder = ((field.meta() ?? {}) as { placeholder?: string }).placeholder ?? '';
  const zodCheck = (label: string, t: string): void => {
    const r = field.safeParse(inner === 'boolean' ? t === 'true' : t);
    if (!r.success) throw new UsageError(`${label}: ${r.error.issues[0]?.message ?? 'invalid value'}`);
  };
  const base = { name, where: 'protocol' as const };
  if (inner === 'boolean') return { ...base, kind: 'choice', values: ['true', 'false'], check: zodCheck };
  switch (placeholder) {
    case 'n':
    case 'k':
      return { ...base, kind: 'int', min: 0, max: 1_000_000_000, check: (l, t) => void parseIntFlag(l, t, 0, 1_000_000_000) };
    case 'n[,n…]':
      return { ...base, kind: 'int', min: 1, max: maxNodes, check: (l, t) => void parseIntFlag(l, t, 1, maxNodes) };
    case 'd':
      return { ...base, kind: 'duration', check: (l, t) => void parseDurationUs(l, t) };
    case 'share':
      return { ...base, kind: 'number', min: 0, max: 1, check: (l, t) => void parseShareFlag(l, t) };
    case 'ops/s':
    case 'updates/s':
      return { ...base, kind: 'number', above: 0, max: 1_000_000, check: (l, t) => void parsePositiveNumber(l, t) };
    case 'bytes':
      return { ...base, kind: 'text', check: (l, t) => void parseBytes(l, t, 1024 ** 4) };
    case 'dist':
      return { ...base, kind: 'text', check: (l, t) => void parseLatencyFlag(l, t) };
    case 'MIN-MAX':
      return { ...base, kind: 'text', check: (l, t) => void parseTimeoutRange(l, t) };
    default:
      // "on|off", "paper|any-higher-term": a choice among the words of its placeholder.
      if (/^[a-z-]+(\|[a-z-]+)+$/.test(placeholder)) return { ...base, kind: 'choice', values: placeholder.split('|'), check: zodCheck };
      return { ...base, kind: 'text', check: zodCheck };
  }
}

export function protocolTarget(protocolName: string, scenario: string | undefined, settings: TrialSettings): TuneTarget {
  const protocol = getProtocol(protocolName);
  if (!protocol) throw new UsageError(`--protocol: unknown protocol "${protocolName}"; known: ${listProtocols().map((p) => p.name).join(', ')}`);
  if (scenario !== undefined && !protocol.scenarios.some((s) => s.name === scenario)) {
    throw new UsageError(`--scenario: ${protocol.name} has no scenario "${scenario}"; it has: ${protocol.scenarios.map((s) => s.name).join(', ')}`);
  }
  const params = new Map<string, TunableParam>();
  for (const schema of [sharedParams, protocol.params]) {
    for (const [key, field] of Object.entries(schema.shape)) if (!PROTOCOL_OWN.has(key)) params.set(key, fromZod(key, field as z.ZodType, protocol.maxNodes));
  }
  const rawOf = (config: Config): Record<string, unknown> => {
    const raw: Record<string, unknown> = { ...consensusBenchDefaults(), protocol: protocol.name, mode: 'sim', ...(scenario !== undefined ? { scenario } : {}) };
    for (const [k, v] of Object.entries(config)) raw[k] = isBoolean(protocol, k) ? v === 'true' : v;
    return raw;
  };
  const durationUs = settings.durationUs ?? 10_000_000;
  const warmupUs = settings.warmupUs ?? 1_000_000;
  const bench = (config: Config, seed: number, signal: AbortSignal, progress: ProgressSink, startedAt: Date) =>
    runConsensusBench(rawOf(config), { durationUs, warmupUs, intervalUs: Math.min(5_000_000, Math.max(1000, Math.floor(durationUs / 10))), seed, signal, progress, startedAt, durationIsDefault: settings.durationUs === undefined });

  return {
    kind: 'protocol',
    name: protocol.name,
    suite: protocol.suite,
    params,
    async validate(config) {
      for (const [k, v] of Object.entries(config)) params.get(k)?.check(`--param ${k}`, v);
      // runConsensusBench checks every shared setting and the schema before it runs anything:
      // with the signal already aborted it validates and returns.
      const stop = new AbortController();
      stop.abort();
      await bench(config, 0, stop.signal, NO_PROGRESS, new Date());
    },
    async run(config, seed, env) {
      const session = await (env.delivery ?? defaultDelivery(env)).open({ command: 'tune', suites: [protocol.suite], plannedDurationUs: durationUs });
      const startedAt = session.startedAt ?? new Date();
      const { run } = await bench(config, seed, env.signal, session.progress?.(protocol.suite, durationUs) ?? NO_PROGRESS, startedAt);
      const result = buildRunResult({ ...run, ...(session.runId !== undefined ? { id: session.runId } : {}), tags: env.tags });
      result.config.command = 'tune';
      await session.deliver(result);
      return result;
    },
    command(config, seed) {
      const words = ['swarmperf', 'bench', '--protocol', protocol.name];
      if (scenario !== undefined) words.push('--scenario', scenario);
      for (const [k, v] of Object.entries(config)) {
        if (isBoolean(protocol, k)) {
          const dflt = (protocol.params.shape[k] as z.ZodType).parse(undefined) === true;
          if ((v === 'true') !== dflt) words.push(v === 'true' ? `--${kebab(k)}` : `--no-${kebab(k)}`);
        } else words.push(`--${kebab(k)}`, shellWord(v));
      }
      if (settings.durationUs !== undefined) words.push('--duration', fmtUs(durationUs));
      words.push('--warmup', fmtUs(warmupUs), '--seed', String(seed));
      return words.join(' ');
    },
  };
}

function isBoolean(protocol: ProtocolDefinition, key: string): boolean {
  const field = protocol.params.shape[key] as z.ZodType | undefined;
  if (!field) return false;
  const def = field.def as { type: string; innerType?: z.ZodType };
  return (def.type === 'default' ? def.innerType?.def.type : def.type) === 'boolean';
}
