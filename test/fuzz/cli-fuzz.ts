/**
 * Flag fuzzing: generated bad values for every flag of every command (from commander's own tree,
 * so new commands and flags are covered without editing this file), each run as the CLI would
 * run it. A case passes when the command exits 2 with one message line (commander's
 * "(run with --help for usage)" hint aside), no stack trace, and ends within a generous bound (a
 * hang detector, not a speed assertion). Seeded and bounded: the same cases every run.
 *
 *   node --import tsx test/fuzz/report.ts [path/to/dist/cli/main.js]   # counts, failures listed
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/measure/rng.js';

export const DRIVER = fileURLToPath(new URL('./driver.mjs', import.meta.url));
export const BUILT_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

interface TreeOption {
  long?: string;
  flags: string;
  description?: string;
  takesValue: boolean;
  negate: boolean;
  mandatory: boolean;
}
interface TreeCommand {
  path: string[];
  hasSubcommands: boolean;
  args: Array<{ name: string; required: boolean; variadic: boolean }>;
  options: TreeOption[];
}

export interface FuzzCase {
  id: number;
  command: string;
  flag: string;
  value: string;
  argv: string[];
}

export interface FuzzFailure extends FuzzCase {
  why: string;
  code?: number;
  stderr?: string;
}

export interface FuzzReport {
  cases: number;
  commands: number;
  flags: number;
  failures: FuzzFailure[];
}

// ── bad values, by what a flag takes ────────────────────────────────────────────────────────
// Every value in a list is wrong for every flag of its kind (not merely unusual).
const NUMBER = ['', ' ', 'abc', '-1', '0x10', '0b11', '1_000', 'NaN', 'Infinity', '1e308', '99999999999999999999', '1,5', '٣', '--'];
const DURATION = ['', 'abc', '-1s', '0x10s', '1e3s', '99999999999999999999d', '30d', '1.5.5s', 'NaN', '10 years', '5parsecs', '∞'];
const SINCE = ['', 'garbage', '99999999999999999999d', '2026-13-45', '-5d', '1e3d'];
const BYTES = ['', 'abc', '-1', '0x10', '99999999999999gb', '1tb', '1.5.5kb', 'NaN', '1e9gb'];
const KEY_VALUE = ['', 'novalue', '=v', ' =v'];
const WORD = ['', 'no-such-thing-xyz', '%%%', '\u0000'];
// Never a real device or a folder outside the scratch folder: a build that gets output paths
// wrong must not be able to replace /dev/null or create folders at /.
const outputFiles = (files: Record<string, string>): string[] => ['', '/proc/version', join(files.dir as string, 'missing', 'a', 'b.json'), '.', files.fifo as string];
const inputFiles = (files: Record<string, string>): string[] => ['', join(files.dir as string, 'missing', 'x.json'), '.'];
const URLS = ['', 'not a url', 'ftp://127.0.0.1/', 'http://10.0.0.1:3000/'];
const GLOB = ['', 'a\\', 'a'.repeat(2000)];

/** What a flag takes, from its name and placeholder; undefined: free text, any value is valid. */
function kindOf(command: string, o: TreeOption, files: Record<string, string>): string[] | undefined {
  const name = o.long ?? '';
  const placeholder = /<([^>]+)>/.exec(o.flags)?.[1] ?? '';
  // Any RFC 9110 token is a method (even %%%): only non-tokens are bad.
  if (name === '--method') return ['', 'GE T', 'GET\r\nX: y'];
  // An empty fault schedule means no faults; only unreadable ones are bad.
  if (name === '--faults') return ['garbage', '%%%', 'crash-leader@'];
  if (name === '--since') return SINCE;
  if (['--json', '--out', '--output'].includes(name) && placeholder === 'file') return outputFiles(files);
  if (['--input', '--args-file'].includes(name)) return inputFiles(files);
  if (name === '--url') return URLS;
  if (name === '--tag') return KEY_VALUE;
  if (placeholder === 'glob' && command.startsWith('memory')) return GLOB;
  if (['d', 'duration'].includes(placeholder) || ['--max-lag', '--heartbeat', '--ttl', '--max-duration'].includes(name)) return DURATION;
  if (['bytes', 'size'].includes(placeholder)) return BYTES;
  if (['n', 'x', 'p', 'pct', 'z', 'share', 's100', 'ops/s', 'port', 'n[,n…]'].includes(placeholder)) return NUMBER;
  if (['fmt', 'f', 'mode', 'how', 'on|off', 'severity', 'key', 'spec', 'ops', 'dist', 'schedule', 'stages', 'a-b=dist', 'MIN-MAX', 'PER_MSG[,PER_ENTRY]'].includes(placeholder)) return WORD;
  if (['--protocol', '--scenario', '--component'].includes(name)) return WORD;
  if (name === '--allow-path') return ['', join(files.dir as string, 'missing')];
  if (name === '--token') return ['', 'short', 'has space in it 0123456789'];
  if (name === '--until') return ['', 'garbage', '2026-13-45'];
  if (name === '--args') return ['', '{', '[]', '1', '"text"'];
  if (name === '--stdio') return ['', '"unterminated'];
  if (name === '--namespace') return ['', 'a/b'];
  if (name === '--key') return ['', 'nonamespace'];
  return undefined;
}

/** Arguments that make each command otherwise valid, so the fuzzed flag is what fails. */
function baseArgs(path: string[], flag: string, files: Record<string, string>, description = ''): string[] | undefined {
  const key = path.join(' ');
  const runSuiteOf: Record<string, string> = {
    '--stale-after': 'registry', '--max-live': 'registry', '--registry-mix': 'registry',
    '--queue': 'tasks', '--mix': 'tasks', '--dep-percent': 'tasks', '--complete': 'tasks', '--drain-timeout': 'tasks',
    '--keys': 'memory', '--value-size': 'memory', '--zipf': 'memory', '--memory-mix': 'memory',
    '--lease-ttl': 'election', '--renew-interval': 'election', '--tenure': 'election', '--failover': 'election',
    '--payload-size': 'bus', '--fanout': 'bus', '--publish-rate': 'bus',
  };
  const short = ['--duration', '1s', '--warmup', '0s', '--no-history', '--quiet'];
  switch (key) {
    case 'run':
      // --backend with selftest alone is refused for another reason (no backend used): use a suite that has one.
      return [runSuiteOf[flag] ?? (flag === '--backend' ? 'registry' : 'selftest'), ...short];
    case 'memory':
      // The group's own flags, with a subcommand (alone, the group prints its help).
      return ['list'];
    case 'load':
      return ['http://127.0.0.1:9/', ...(['--think', '--concurrency', '--connections'].includes(flag) ? ['--concurrency', '1'] : ['--rate', '10']), ...short];
    case 'stress':
      return ['http://127.0.0.1:9/', ...short];
    case 'bench': {
      // A protocol's or scenario's own flags ("pbft: …", "gossip convergence: …" in their help)
      // are fuzzed where they apply; disk flags with a storage model. (Whether a flag given where
      // it does not apply is refused is another rule, not this fuzzing's.)
      const m = /^(pbft|gossip|external)(?: ([a-z-]+))?:/.exec(description);
      const where = m ? ['--protocol', m[1] as string, ...(m[2] ? ['--scenario', m[2]] : []), ...(m[1] === 'external' ? ['--mode', 'real', ...(flag === '--node' ? [] : ['--node', 'true'])] : [])] : ['--protocol', 'raft'];
      const storage = ['--disk-bandwidth', '--group-commit'].includes(flag) ? ['--fsync', '5ms'] : [];
      return [...where, ...storage, ...short];
    }
    case 'tune':
      // A two-trial search of Raft elections: the fuzzed flag is what fails (or, accepted, ends fast).
      return [...(flag === '--backend' ? ['tasks'] : ['--protocol', 'raft', '--scenario', 'election', '--set', 'trials=2']), '--param', flag === '--backend' ? 'agents=1,2' : 'heartbeat=10ms,20ms', '--minimize', 'p99', '--trials', '2', '--duration', '1s', '--no-history', '--quiet'];
    case 'mcp-bench':
      return [...(flag === '--stdio' || flag === '--cold-starts' ? [] : ['--url', 'http://127.0.0.1:9/mcp']), '--tool', 'echo', ...short];
    case 'tools ingest':
      return [files.toolLog as string];
    case 'tools record':
      return undefined; // the hook: reads stdin, has its own fast path in bin/
    case 'memory store':
      return ['a/b', '--value', 'v'];
    case 'memory retrieve':
    case 'memory delete':
      return ['a/b'];
    case 'memory search':
      return flag === '--pattern' ? [] : ['a/**'];
    case 'memory export':
      return [join(files.dir as string, 'mem-out.json')];
    case 'memory import':
      return [files.memoryFile as string];
    case 'history show':
    case 'history remove':
      return ['latest'];
    case 'history import':
      return [files.run as string];
    case 'compare':
      return [files.run as string, files.run as string];
    case 'alerts add':
      return ['registry.register.p99 < 5s'];
    case 'alerts remove':
      return ['registry.register.p99 < 5s'];
    case 'alerts check':
    case 'bottlenecks':
      return [files.run as string];
    case 'report':
      return flag === '--input' ? [] : ['--input', files.run as string];
    case 'mcp':
      // A server: only flags that are refused end; an accepted bad value would serve (a hang).
      return ['--token', '--session-idle', '--no-token'].includes(flag) ? ['--http', '0'] : [];
    default:
      return [];
  }
}

/** Files the base arguments name, made once in `dir`. */
export function prepareFiles(dir: string, run: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const toolLog = join(dir, 'tools.jsonl');
  writeFileSync(toolLog, '');
  const memoryFile = join(dir, 'memory.json');
  writeFileSync(memoryFile, JSON.stringify([{ key: 'a/b', value: 'v' }]));
  // A named pipe: "not a regular file" without touching a real device.
  const fifo = join(dir, 'pipe');
  if (!existsSync(fifo)) execFileSync('mkfifo', [fifo]);
  return { dir, toolLog, memoryFile, run, fifo };
}

export function generateCases(tree: TreeCommand[], files: Record<string, string>, options: { seed: number; perFlag: number }): { cases: FuzzCase[]; commands: number; flags: number } {
  const rng = new Rng(options.seed);
  const cases: FuzzCase[] = [];
  let commands = 0;
  let flags = 0;
  for (const cmd of tree) {
    if (cmd.hasSubcommands && cmd.options.length === 0) continue;
    const command = cmd.path.join(' ');
    let counted = false;
    for (const o of cmd.options) {
      if (!o.takesValue || !o.long) continue;
      const values = kindOf(command, o, files);
      if (!values) continue;
      const base = baseArgs(cmd.path, o.long, files, o.description);
      if (base === undefined) continue;
      if (!counted) {
        commands++;
        counted = true;
      }
      flags++;
      // A fixed sample of the kind's values per flag (all of them when there are few).
      const pool = [...values];
      const picked: string[] = [];
      while (picked.length < options.perFlag && pool.length > 0) picked.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0] as string);
      for (const value of picked) cases.push({ id: cases.length, command, flag: o.long, value, argv: [...cmd.path, ...base, `${o.long}=${value}`] });
    }
  }
  return { cases, commands, flags };
}

/** What makes a case fail; undefined when it passed. */
export function judge(code: number, stderr: string): string | undefined {
  if (code !== 2) return `exit ${code}, expected 2`;
  if (/^\s+at .+[:(]/m.test(stderr) || /UNCAUGHT|UNHANDLED/.test(stderr)) return 'stack trace or uncaught error on stderr';
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '(run with --help for usage)');
  if (lines.length !== 1) return `${lines.length} message lines, expected 1`;
  return undefined;
}

interface Pending {
  resolve: (r: { code: number; stderr: string } | 'hang' | 'crash') => void;
  timer: NodeJS.Timeout;
}

/** One driver process; restarted after a hang or a crash. */
class Driver {
  private child: ChildProcess | undefined;
  private pending: Pending | undefined;
  tree: TreeCommand[] = [];

  constructor(
    private readonly mainPath: string,
    private readonly cwd: string,
  ) {}

  async start(): Promise<void> {
    const child = fork(DRIVER, [this.mainPath], { cwd: this.cwd, execArgv: [], stdio: ['ignore', 'ignore', process.env.FUZZ_DEBUG ? 'inherit' : 'ignore', 'ipc'], env: { ...process.env, SWARMPERF_HOME: join(this.cwd, '.swarmperf') } });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: { type: string; tree: TreeCommand[] }) => {
        this.tree = m.tree;
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`fuzz driver exited ${code} before it was ready`)));
    });
    child.on('message', (m: { type: string; code: number; stderr: string }) => {
      if (m.type !== 'result' || !this.pending) return;
      const p = this.pending;
      this.pending = undefined;
      clearTimeout(p.timer);
      p.resolve({ code: m.code, stderr: m.stderr });
    });
    child.on('exit', () => {
      const p = this.pending;
      this.pending = undefined;
      if (p) {
        clearTimeout(p.timer);
        p.resolve('crash');
      }
    });
  }

  async run(c: FuzzCase, boundMs: number): Promise<{ code: number; stderr: string } | 'hang' | 'crash'> {
    if (!this.child || this.child.exitCode !== null) await this.start();
    const child = this.child as ChildProcess;
    const outcome = await new Promise<{ code: number; stderr: string } | 'hang' | 'crash'>((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        resolve('hang');
      }, boundMs);
      this.pending = { resolve, timer };
      child.send({ type: 'case', id: c.id, argv: c.argv });
    });
    if (outcome === 'hang' || outcome === 'crash') await this.stop();
    return outcome;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

export async function runFuzz(options: { mainPath?: string; dir: string; run: string; seed?: number; perFlag?: number; boundMs?: number; onCase?: (c: FuzzCase, failure?: FuzzFailure) => void }): Promise<FuzzReport> {
  const files = prepareFiles(join(options.dir, 'files'), options.run);
  const cwd = join(options.dir, 'cwd');
  mkdirSync(cwd, { recursive: true });
  const driver = new Driver(options.mainPath ?? BUILT_MAIN, cwd);
  await driver.start();
  const { cases, commands, flags } = generateCases(driver.tree, files, { seed: options.seed ?? 12, perFlag: options.perFlag ?? 3 });
  const failures: FuzzFailure[] = [];
  try {
    for (const c of cases) {
      const outcome = await driver.run(c, options.boundMs ?? 20_000);
      let failure: FuzzFailure | undefined;
      if (outcome === 'hang') failure = { ...c, why: `no end within ${options.boundMs ?? 20_000} ms` };
      else if (outcome === 'crash') failure = { ...c, why: 'the process died' };
      else {
        const why = judge(outcome.code, outcome.stderr);
        if (why) failure = { ...c, why, code: outcome.code, stderr: outcome.stderr.slice(0, 300) };
      }
      if (failure) failures.push(failure);
      options.onCase?.(c, failure);
    }
  } finally {
    await driver.stop();
  }
  return { cases: cases.length, commands, flags, failures };
}
