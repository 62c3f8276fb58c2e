/** `swarmperf contract BACKEND` end to end (the built CLI): verdict lines, JSON, exit codes. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

const EXAMPLE = resolve('examples/jsonfile-lock-adapter.mjs');
const SERVER = resolve('test/fixtures/your-system/store-server.mjs');

describe('swarmperf contract', () => {
  it('the example adapter: atomic claim FAILS (exit 1), election and bus skipped, memory semantics hold', () => {
    const dir = tempDir();
    const r = runCli(['contract', `module:${EXAMPLE}`, '--data-dir', dir, '--rounds', '2', '--concurrency', '16', '--ttl', '100ms'], { env: { JSONSTORE_DIR: dir } });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/✗ FAILS\s+atomic claim\s+\[tasks\] round \d: \d+ of 4 tasks were claimed by more than one worker/);
    expect(r.stdout).toMatch(/– skipped\s+lease fencing\s+\[election\] no election port/);
    expect(r.stdout).toMatch(/✓ holds\s+TTL/);
    expect(r.stdout).toMatch(/3 hold, 1 fail, 2 skipped/);
  });

  it('--json on a store that keeps every semantic exits 0', () => {
    const dir = tempDir();
    const r = runCli(['contract', 'sqlite', '--data-dir', dir, '--rounds', '1', '--concurrency', '8', '--ttl', '50ms', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { results: Array<{ name: string; status: string }> };
    expect(out.results.map((x) => x.status)).toEqual(['holds', 'holds', 'holds', 'holds', 'holds', 'holds']);
  });

  it('bad input: one line naming what is wrong, exit 2', () => {
    const bad = (args: string[], message: RegExp): void => {
      const r = runCli(['contract', ...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    bad(['nope'], /unknown backend "nope"/);
    bad(['sqlite', '--rounds', '0'], /--rounds: expected a whole number from 1/);
    bad(['sqlite', '--ttl', '1ms'], /--ttl: expected 10ms to 60s/);
    bad([`module:${resolve('examples/missing.mjs')}`], /module:.*missing\.mjs: no such file/);
    bad(['sqlite', '--mcp-map', 'm.yaml'], /--mcp-map: only mcp: and mcp\+http:\/\/ backends take a mapping file; --backend is "sqlite"/);
    bad([`mcp:node ${SERVER}?map=a.json`, '--mcp-map', 'b.yaml'], /--mcp-map: the backend ".*" names its own mapping/);
  });

  it('--mcp-map with a YAML mapping: the fixture server\'s racy claim and lost writes FAIL (exit 1); a bad YAML field names file, field and line (exit 2)', () => {
    const dir = tempDir();
    const r = runCli(['contract', `mcp:node ${SERVER} --dir ${dir}`, '--mcp-map', 'examples/mcp-map.yaml', '--data-dir', dir, '--rounds', '2', '--concurrency', '16', '--ttl', '1s', '--json']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { results: Array<{ name: string; status: string }> };
    expect(Object.fromEntries(out.results.map((x) => [x.name, x.status]))).toMatchObject({ 'atomic claim': 'fails', 'concurrent writes kept': 'fails', TTL: 'holds' });
    const badMap = `${dir}/bad.yaml`;
    writeFileSync(badMap, 'memory:\n  store:\n    tool: memory_usage\n  retrieve:\n    tool: memory_usage\n    result: [entry]\n');
    const bad = runCli(['contract', `mcp:node ${SERVER} --dir ${dir}`, '--mcp-map', badMap, '--data-dir', dir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.yaml: memory\.retrieve\.result \(line 6\): Invalid input: expected string, received array/);
  });
});
