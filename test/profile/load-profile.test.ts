/** `swarmperf load --profile` end to end against a loopback server in this process. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunResult } from '../../src/core/result.js';
import { startCli, tempDir } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../http/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** Runs the CLI without blocking this process's event loop (the server lives here). */
function cli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = startCli(args);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

describe('swarmperf load --profile', () => {
  it("profiles the load generator's process and keeps the profile beside the run", async () => {
    const dir = tempDir('swarmperf-load-profile-');
    const out = join(dir, 'r.json');
    const r = await cli(['load', `${server.url}/p`, '--rate', '100', '--duration', '1s', '--warmup', '0s', '--profile', '--profile-interval', '500us', '--json', out, '--data-dir', dir, '--no-history', '--quiet']);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.status).toBe(0);
    const result = parseRunResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(result.profiles).toMatchObject({ dir: join('profiles', result.id), intervalUs: 500, processes: ['main'] });
    const profile = JSON.parse(readFileSync(join(dir, 'profiles', result.id, 'main.cpuprofile'), 'utf8')) as { nodes: unknown[]; samples: number[] };
    expect(profile.nodes.length).toBeGreaterThan(1);
    expect(profile.samples.length).toBeGreaterThan(0);
    expect(result.fingerprint?.parts.profiled).toBe(true);
  });

  it('a bad --profile-interval fails before any request is sent', async () => {
    const dir = tempDir('swarmperf-load-profile-');
    const r = await cli(['load', `${server.url}/p`, '--rate', '100', '--duration', '1s', '--profile', '--profile-interval', 'soon', '--data-dir', dir, '--no-history', '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--profile-interval');
    expect(existsSync(join(dir, 'profiles'))).toBe(false);
  });
});
