/**
 * `--backend mcp:COMMAND?map=FILE` against a fixture MCP server imitating a Hyrm-style task tool
 * set (task_claim {task_id}) and a memory_usage-style multiplexed memory tool. Its two planted
 * defects — a claim checked outside the lock, a store that reports success and is overwritten —
 * are caught by the contract checks and by the suites' invariants (agents as processes, each with
 * its own copy of the server over the same files); with --safe both pass.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSuites } from '../../src/results/run-suites.js';
import { setup } from '../../src/setup.js';
import { openBackend } from '../../src/targets/backend.js';
import { checkSemantics } from '../../src/targets/contract/semantics.js';
import { parseMcpMapping } from '../../src/targets/external/mcp/mapping.js';
import { portsProvided } from '../../src/targets/external/ports.js';
import type { Backend } from '../../src/targets/ports.js';

setup();
const SERVER = resolve('test/fixtures/your-system/store-server.mjs');
const MAP = resolve('examples/mcp-map.json');
const YAML_MAP = resolve('examples/mcp-map.yaml');
const scratch = (): string => mkdtempSync(join(tmpdir(), 'swarmperf-mcp-'));
const spec = (dir: string, safe = false, map = MAP): string => `mcp:node ${SERVER} --dir ${dir}${safe ? ' --safe' : ''}?map=${map}`;

const opened: Backend[] = [];
afterEach(async () => {
  for (const b of opened.splice(0)) await b.close();
});

describe('mcp: backend through the contract checks', () => {
  it('finds the racy claim and the lost writes; TTL and glob search hold; the rest is skipped', async () => {
    const b = await openBackend(spec(scratch()), scratch());
    opened.push(b);
    expect(portsProvided(b)).toEqual(['tasks', 'memory']);
    const results = await checkSemantics(b, { concurrency: 16, rounds: 3, ttlMs: 1000 });
    expect(Object.fromEntries(results.map((r) => [r.name, r.status]))).toEqual({
      'atomic claim': 'fails',
      'lease fencing': 'skipped',
      'ordered delivery': 'skipped',
      TTL: 'holds',
      'glob search': 'holds',
      'concurrent writes kept': 'fails',
    });
    expect(results.find((r) => r.name === 'concurrent writes kept')?.detail).toMatch(/reported success and are not readable/);
  });

  it('the --safe server keeps every semantic it maps (mapped by the YAML example)', async () => {
    const b = await openBackend(spec(scratch(), true, YAML_MAP), scratch());
    opened.push(b);
    const results = await checkSemantics(b, { concurrency: 16, rounds: 2, ttlMs: 1000 });
    expect(results.filter((r) => r.status === 'fails')).toEqual([]);
  });
});

describe('mcp: backend through the suites (agents as processes, a server copy each)', () => {
  const run = (dir: string, suites: string[], safe = false) =>
    runSuites({ suites, settings: { backend: spec(dir, safe), agents: 3, duration: '1500ms', warmup: '0s' }, params: { queue: 60, depPercent: 0, keys: 40 } }, { dataDir: scratch(), history: false });

  it('the tasks suite reports double claims and the memory suite lost writes', async () => {
    const result = await run(scratch(), ['tasks', 'memory', 'election']);
    const [tasks, memory, election] = result.suites;
    expect(tasks!.checks.find((c) => c.name === 'no task claimed by two workers')?.passed).toBe(false);
    expect(memory!.checks.find((c) => c.name === 'every stored entry reads back its last written value')?.passed).toBe(false);
    expect(election!.skipped).toMatch(/no election port/);
  });

  it('the same suites pass on the --safe server', async () => {
    const result = await run(scratch(), ['tasks', 'memory'], true);
    for (const s of result.suites) expect([s.name, s.checks.filter((c) => !c.passed)]).toEqual([s.name, []]);
  });
});

describe('mapping file errors name the file and the field', () => {
  it('schema errors', () => {
    expect(() => parseMcpMapping('m.json', '{"tasks": {"create": {"tool": "x"}}}')).toThrow(/^m\.json: tasks\.claim: /);
    expect(() => parseMcpMapping('m.json', '{"memory": {"store": {"tool": ""}, "retrieve": {"tool": "r"}}}')).toThrow(/m\.json: memory\.store\.tool: the tool name is empty/);
    expect(() => parseMcpMapping('m.json', '{"memory": {"store": {"tool": "s", "argz": {}}, "retrieve": {"tool": "r"}}}')).toThrow(/m\.json: memory\.store: .*argz/);
    expect(() => parseMcpMapping('m.json', '{}')).toThrow(/maps no port/);
    expect(() => parseMcpMapping('m.json', '{"bus": {}}')).toThrow(/m\.json: bus: a message bus cannot be mapped/);
    expect(() => parseMcpMapping('m.json', 'nope')).toThrow(/m\.json: not valid JSON/);
  });
  it('YAML: the example says what the JSON example says; errors add the line', () => {
    expect(parseMcpMapping(YAML_MAP, readFileSync(YAML_MAP, 'utf8'))).toEqual(parseMcpMapping(MAP, readFileSync(MAP, 'utf8')));
    const badField = 'memory:\n  store:\n    tool: memory_usage\n  retrieve:\n    tool: 42\n';
    expect(() => parseMcpMapping('m.yaml', badField)).toThrow(/^m\.yaml: memory\.retrieve\.tool \(line 5\): Invalid input: expected string, received number$/);
    const unknownKey = 'tasks:\n  create: { tool: a }\n  claim: { tool: b }\n  list: { tool: c }\n  complete: { tool: d, bogus: 1 }\n';
    expect(() => parseMcpMapping('m.yml', unknownKey)).toThrow(/^m\.yml: tasks\.complete \(line 5\): Unrecognized key: "bogus"$/);
    // A missing field: the line of the nearest parent that is there.
    expect(() => parseMcpMapping('m.yaml', 'memory:\n  store:\n    tool: s\n')).toThrow(/^m\.yaml: memory\.retrieve \(line 2\): /);
    expect(() => parseMcpMapping('m.yaml', 'memory:\n  store: [\n')).toThrow(/^m\.yaml: not valid YAML at line \d+, column \d+: /);
    expect(() => parseMcpMapping('m.yaml', 'memory:\n  store: {tool: a}\n  store: {tool: b}\n')).toThrow(/^m\.yaml: not valid YAML at line 3, column 3: Map keys must be unique/);
  });
  it('a tool the server does not have, a missing map, a missing file', async () => {
    const dir = scratch();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ memory: { store: { tool: 'memory_usage' }, retrieve: { tool: 'memory_get' } } }));
    await expect(openBackend(`mcp:node ${SERVER} --dir ${dir}?map=${bad}`, dir)).rejects.toThrow(/bad\.json: memory\.retrieve\.tool: the server has no tool "memory_get" \(it has: task_create/);
    await expect(openBackend(`mcp:node ${SERVER} --dir ${dir}`, dir)).rejects.toThrow(/the mapping file is missing; add \?map=FILE/);
    await expect(openBackend(`mcp:node ${SERVER}?map=${join(dir, 'none.json')}`, dir)).rejects.toThrow(/none\.json: no such file/);
  });
});
