/**
 * `swarmperf profile --pid N`: a running Node program with a planted hot function profiled from
 * outside through its inspector — one started with --inspect, one without (opened by SIGUSR1 and
 * closed again) — and the errors: no such process, not Node, an inspector that belongs to another
 * process, an inspector that cannot open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hintedPorts, isNodeExecutable, listeningPorts } from '../../src/profile/attach.js';
import { readProfiles } from '../../src/profile/cpuprofile.js';
import { runCli, tempDir } from '../helpers/cli.js';

const HOT = fileURLToPath(new URL('../fixtures/profile/hot-running.mjs', import.meta.url));
const children: ChildProcess[] = [];

/** Starts the planted program with the given Node flags and waits until its hot loop runs. */
async function startHot(nodeFlags: string[]): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [...nodeFlags, HOT, '120'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const [first] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  expect(first.toString()).toContain('ready');
  return { child, stderr: () => err };
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** The first row of the top table (after the CPU line and the header). */
const firstRow = (stdout: string): string => stdout.split('\n')[2] ?? '';

// Finding the inspector's socket and checking the executable read /proc: Linux only.
const HAVE_PROC = existsSync('/proc/self/net/tcp');

describe.skipIf(!HAVE_PROC)(`swarmperf profile --pid${HAVE_PROC ? '' : ' (skipped: needs Linux /proc)'}`, () => {
  it('profiles a process started with --inspect: the planted function is at the top, and the profile is stored', async () => {
    const { child } = await startHot(['--inspect=127.0.0.1:0']);
    const data = tempDir();
    const r = runCli(['profile', '--pid', String(child.pid), '--duration', '1s', '--profile-interval', '500us', '--limit', '5', '--data-dir', data]);
    expect(r.stderr).not.toContain('SIGUSR1');
    expect(r.status).toBe(0);
    expect(firstRow(r.stdout)).toContain('plantedHotSpin (profile/hot-running.mjs:5)');
    expect(firstRow(r.stdout)).toContain('plantedCaller');
    expect(r.stdout).toMatch(/cpu-hotspot: \d+ % of process CPU in `plantedHotSpin/);
    const dir = /profiled pid \d+ into (.+)\n/.exec(r.stderr)?.[1] as string;
    const [stored] = readProfiles(dir);
    expect(stored?.process).toBe(`pid-${child.pid}`);
    expect(stored?.profile.samples?.length).toBeGreaterThan(10);
    // The program keeps running: profiling does not stop it.
    expect(child.exitCode).toBeNull();
  });

  it('opens the inspector of a process started without it (SIGUSR1), profiles it, and closes it again', async () => {
    // --inspect-port=0: SIGUSR1 opens the inspector on a free port, not 9229 (which another program here may hold).
    const { child, stderr } = await startHot(['--inspect-port=0']);
    expect(listeningPorts(child.pid as number)).toEqual([]);
    const r = runCli(['profile', '--pid', String(child.pid), '--duration', '1s', '--format', 'svg', '--data-dir', tempDir()]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('sending SIGUSR1');
    expect(r.stderr).toContain(`closed the inspector of pid ${child.pid} again`);
    expect(r.stdout).toMatch(/^<\?xml/);
    expect(r.stdout).toContain('plantedHotSpin');
    await expect.poll(stderr).toContain('Debugger listening on ws://127.0.0.1:');
    // Left as found: no inspector listens any more, and the program still runs.
    expect(listeningPorts(child.pid as number)).toEqual([]);
    expect(child.exitCode).toBeNull();
  });

  it('says what is wrong: no such process, not Node, bad flags (exit 2, one line)', () => {
    const data = tempDir();
    const none = runCli(['profile', '--pid', '4194303', '--duration', '1s', '--data-dir', data]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--pid 4194303: no such process');

    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    const notNode = runCli(['profile', '--pid', String(sleeper.pid), '--data-dir', data]);
    expect(notNode.status).toBe(2);
    expect(notNode.stderr).toContain(`is "sleep", not Node`);
    // No SIGUSR1 was sent to it (for sleep that signal is fatal).
    expect(sleeper.exitCode).toBeNull();
    expect(sleeper.signalCode).toBeNull();

    for (const args of [['--pid', '0'], ['--pid', 'x'], ['--pid', '1', '--duration', '2h'], ['--pid', '1', '--inspect-port', '70000'], ['--duration', '1s'], ['--pid', '1', '--cmd', 'true']]) {
      const bad = runCli(['profile', ...args, '--data-dir', data]);
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it("refuses an --inspect-port that is another process's inspector", async () => {
    const other = await startHot(['--inspect=127.0.0.1:0']);
    await expect.poll(other.stderr).toMatch(/ws:\/\/127\.0\.0\.1:\d+\//);
    const otherPort = /ws:\/\/127\.0\.0\.1:(\d+)\//.exec(other.stderr())?.[1] as string;
    const target = await startHot([]);
    const wrong = runCli(['profile', '--pid', String(target.child.pid), '--inspect-port', otherPort, '--duration', '1s', '--data-dir', tempDir()]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(`belongs to pid ${other.child.pid}, not ${target.child.pid}`);
  });

  it('exits 1 with what to do when the inspector cannot open (its port is taken)', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const blocked = await startHot([`--inspect-port=${port}`]);
      expect(hintedPorts(blocked.child.pid as number)).toEqual([port]);
      const r = runCli(['profile', '--pid', String(blocked.child.pid), '--duration', '1s', '--data-dir', tempDir()]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('opened no inspector within 5 s of SIGUSR1');
      expect(r.stderr).toContain('node --inspect=127.0.0.1:0');
      expect(blocked.child.exitCode).toBeNull();
    } finally {
      blocker.close();
    }
  });

  it('recognises Node executables by name only', () => {
    for (const yes of ['node', 'nodejs', 'node20', 'node (deleted)']) expect(isNodeExecutable(yes), yes).toBe(true);
    for (const no of ['sleep', 'python3', 'nodemon', 'deno', 'bun']) expect(isNodeExecutable(no), no).toBe(false);
  });
});
