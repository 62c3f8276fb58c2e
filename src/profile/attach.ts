/**
 * `swarmperf profile --pid N`: a CPU profile of a running Node process, taken from outside through
 * its inspector (Chrome DevTools Protocol over WebSocket, Profiler.start/stop). A process started
 * with --inspect already listens; one started without it opens its inspector on SIGUSR1, as Node
 * documents (on 127.0.0.1, its --inspect-port or 9229), and is closed again when the profile is
 * taken. On Linux the inspector's port is the listening socket the process owns (/proc), so an
 * inspector of another process on 9229 is never mistaken for it; the target's own pid is checked
 * over the protocol either way.
 */
import { get } from 'node:http';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { CpuProfile } from './cpuprofile.js';
import { connectCdp, type CdpSession } from './cdp.js';

/** Node's inspector port when nothing else is said (`node --inspect`, SIGUSR1). */
export const DEFAULT_INSPECTOR_PORT = 9229;

export interface PidProfileOptions {
  pid: number;
  durationUs: number;
  intervalUs: number;
  /** Where the inspector listens, when the caller knows; otherwise found from the process. */
  inspectPort?: number;
  /** How long to wait for the inspector to open after SIGUSR1, ms. */
  openTimeoutMs?: number;
  /** Ends the sampling early (the profile so far is still taken). */
  signal?: AbortSignal;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface PidProfile {
  profile: CpuProfile;
  port: number;
  /** True when this call opened the inspector with SIGUSR1 (and closed it again). */
  opened: boolean;
}

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/** The process exists and may be signalled by us (signal 0 checks both and sends nothing). */
export function checkProcess(pid: number): void {
  if (pid === process.pid) throw new UsageError(`--pid ${pid}: that is this swarmperf process; give the pid of the program to profile`);
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errnoOf(err) === 'ESRCH') throw new UsageError(`--pid ${pid}: no such process (list Node processes with: pgrep -a node)`);
    if (errnoOf(err) === 'EPERM') throw new UsageError(`--pid ${pid}: belongs to another user; run swarmperf as that user`);
    throw err;
  }
}

/**
 * The executable's name from /proc (Linux), or undefined where /proc does not tell. A process
 * that is not Node must never get SIGUSR1: for most programs it is a signal that ends them.
 */
export function executableOf(pid: number): string | undefined {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      return argv0 ? basename(argv0) : undefined;
    } catch {
      return undefined;
    }
  }
}

export const isNodeExecutable = (name: string): boolean => /^node(js)?(\d+(\.\d+)*)?$/i.test(name.replace(/ \(deleted\)$/, ''));

interface Listener {
  host: string;
  port: number;
}

/** Loopback or any-address: reachable on 127.0.0.1. */
const LOOPBACK_HEX = new Set(['0100007F', '00000000', '00000000000000000000000000000000', '00000000000000000000000001000000', '0000000000000000FFFF00000100007F']);

/** TCP sockets the process listens on that 127.0.0.1 reaches (Linux /proc), or undefined without /proc. */
export function listeningPorts(pid: number): Listener[] | undefined {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          return m ? [m[1] as string] : [];
        } catch {
          return [];
        }
      }),
    );
  } catch {
    return undefined;
  }
  const out: Listener[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st … inode (10th column); st 0A is LISTEN.
      const [hostHex, portHex] = (f[1] ?? '').split(':');
      if (f[3] !== '0A' || !inodes.has(f[9] ?? '') || !hostHex || !portHex || !LOOPBACK_HEX.has(hostHex)) continue;
      out.push({ host: hostHex, port: parseInt(portHex, 16) });
    }
  }
  return out;
}

/** Ports named on the process's command line or NODE_OPTIONS (--inspect=[host:]port, --inspect-port=port). */
export function hintedPorts(pid: number): number[] {
  const words: string[] = [];
  try {
    words.push(...readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
  } catch {
    /* no /proc: no hints */
  }
  try {
    const nodeOptions = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((e) => e.startsWith('NODE_OPTIONS='));
    if (nodeOptions) words.push(...nodeOptions.slice('NODE_OPTIONS='.length).split(/\s+/));
  } catch {
    /* environ is private to the owner: no hints from it */
  }
  const ports: number[] = [];
  for (const w of words) {
    const m = /^--inspect(?:-brk|-port|-wait)?=(?:.*:)?(\d+)$/.exec(w);
    const port = m ? Number(m[1]) : NaN;
    if (port > 0 && port < 65536) ports.push(port);
  }
  return ports;
}

/** The WebSocket path of the inspector at 127.0.0.1:port (from /json/list), or undefined when none answers there. */
export function inspectorTarget(port: number, timeoutMs = 2_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/json/list', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (body.length > 1_000_000) req.destroy();
      });
      res.on('end', () => {
        try {
          const list = JSON.parse(body) as Array<{ webSocketDebuggerUrl?: unknown }>;
          const url = Array.isArray(list) ? list.find((t) => typeof t?.webSocketDebuggerUrl === 'string')?.webSocketDebuggerUrl : undefined;
          // Only the path is used: the connection goes to 127.0.0.1 whatever host it names.
          resolve(typeof url === 'string' ? new URL(url).pathname : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** Where the process's inspector is, if it listens: ports it owns first (hinted ones before others), else the hints and 9229. */
async function findInspector(pid: number, explicit: number | undefined): Promise<{ port: number; path: string } | undefined> {
  const hints = hintedPorts(pid);
  const owned = listeningPorts(pid)?.map((l) => l.port);
  const preferred = [...hints, DEFAULT_INSPECTOR_PORT];
  const candidates =
    explicit !== undefined ? [explicit] : owned ? [...owned].sort((a, b) => Number(!preferred.includes(a)) - Number(!preferred.includes(b))) : preferred;
  for (const port of [...new Set(candidates)]) {
    const path = await inspectorTarget(port);
    if (path) return { port, path };
  }
  return undefined;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** Opens the inspector of a Node process that has none (SIGUSR1) and waits for it to listen. */
async function openWithSigusr1(pid: number, explicit: number | undefined, timeoutMs: number, log: (line: string) => void): Promise<{ port: number; path: string }> {
  log(`pid ${pid} has no open inspector: sending SIGUSR1 to open one`);
  process.kill(pid, 'SIGUSR1');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await findInspector(pid, explicit);
    if (found) return found;
    if (Date.now() >= deadline) break;
    await sleep(100);
  }
  const port = explicit ?? hintedPorts(pid)[0] ?? DEFAULT_INSPECTOR_PORT;
  throw new Error(
    `pid ${pid} opened no inspector within ${timeoutMs / 1000} s of SIGUSR1 (it listens on ${port} unless started with --inspect-port; ` +
      `that port may be taken by another process, which the program's stderr then says). Start the program with ` +
      `node --inspect=127.0.0.1:0 app.js and profile it again (add --inspect-port PORT if /proc is not available)`,
  );
}

/** Checks over the protocol that the inspector is the one of `pid` (a port can be another process's). */
async function checkTargetPid(cdp: CdpSession, pid: number, port: number): Promise<void> {
  const r = await cdp.send<{ result?: { value?: unknown } }>('Runtime.evaluate', { expression: 'process.pid', returnByValue: true });
  const actual = r.result?.value;
  if (actual !== pid) throw new UsageError(`the inspector on 127.0.0.1:${port} belongs to pid ${String(actual)}, not ${pid}; give the right --pid or --inspect-port`);
}

export async function profilePid(options: PidProfileOptions): Promise<PidProfile> {
  const { pid } = options;
  const log = options.log ?? (() => {});
  checkProcess(pid);
  const exe = executableOf(pid);
  if (exe !== undefined && !isNodeExecutable(exe)) throw new UsageError(`--pid ${pid}: process ${pid} is "${exe}", not Node; only Node programs can be profiled`);
  let found = await findInspector(pid, options.inspectPort);
  let opened = false;
  if (!found) {
    if (exe === undefined) {
      throw new Error(`--pid ${pid}: no inspector answers on 127.0.0.1:${options.inspectPort ?? DEFAULT_INSPECTOR_PORT}, and without /proc swarmperf cannot tell it is Node to send SIGUSR1; start it with node --inspect=127.0.0.1:PORT and give --inspect-port PORT`);
    }
    found = await openWithSigusr1(pid, options.inspectPort, options.openTimeoutMs ?? 5_000, log);
    opened = true;
  }
  const cdp = await connectCdp(found.port, found.path).catch((err: unknown) => {
    throw new Error(`inspector of pid ${pid} on 127.0.0.1:${found.port} unreachable: ${err instanceof Error ? err.message : String(err)}`);
  });
  try {
    await checkTargetPid(cdp, pid, found.port);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: options.intervalUs });
    await cdp.send('Profiler.start');
    log(`profiling pid ${pid} through 127.0.0.1:${found.port} for ${options.durationUs / 1e6} s`);
    await sleep(options.durationUs / 1000, options.signal);
    // A large profile of a busy process takes a while to serialise.
    const { profile } = await cdp.send<{ profile: CpuProfile }>('Profiler.stop', {}, 120_000);
    await cdp.send('Profiler.disable').catch(() => {});
    if (opened) await closeInspector(cdp, pid, log);
    return { profile, port: found.port, opened };
  } finally {
    cdp.close();
  }
}

/**
 * Leaves the process as it was found: an inspector opened by SIGUSR1 would otherwise stay open
 * (anyone on this machine could then run code in the program). The DevTools command-line API
 * provides `require` to the evaluated expression; the connection ends with the inspector.
 */
async function closeInspector(cdp: CdpSession, pid: number, log: (line: string) => void): Promise<void> {
  try {
    await cdp.send('Runtime.evaluate', { expression: "require('node:inspector').close()", includeCommandLineAPI: true }, 3_000);
  } catch {
    // The inspector closing under the reply is the expected end; a failure shows below.
  }
  const still = listeningPorts(pid);
  if (still && still.length > 0 && (await findInspector(pid, undefined))) log(`note: the inspector of pid ${pid} is still open on 127.0.0.1; it closes when the process exits`);
  else log(`closed the inspector of pid ${pid} again`);
}
