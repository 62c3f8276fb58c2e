import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Profile, type StringTable } from 'pprof-format';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import type { RunResult } from '../../src/core/result.js';
import { parseCpuProfile, PROFILE_DIR_ENV, PROFILE_INTERVAL_ENV, readProfiles, startProfiler, writeProfile, type CpuProfile, type LabelledProfile } from '../../src/profile/cpuprofile.js';
import { mergeCpuProfiles, renderTopTable, toPprof, toSpeedscope } from '../../src/profile/export.js';
import { escapeXml, renderFlamegraphSvg } from '../../src/profile/flamegraph.js';
import { cpuHotspotEnricher, hotspotFinding, HOTSPOT_KIND } from '../../src/profile/hotspot.js';
import { resolveProfilePath, selectProfiles } from '../../src/profile/select.js';
import { parseProfileInterval } from '../../src/profile/session.js';
import { buildFlameTree, topFunctions } from '../../src/profile/tree.js';
import { Rng } from '../../src/measure/rng.js';
import { runCli, tempDir } from '../helpers/cli.js';

const HOT_CHILD = fileURLToPath(new URL('../fixtures/profile/hot-child.mjs', import.meta.url));

/** A profiled child process with a planted hot function, profiled through the environment as an agent is. */
function profileHotChild(dir: string): LabelledProfile[] {
  const r = spawnSync(process.execPath, [HOT_CHILD, '400'], { env: { ...process.env, [PROFILE_DIR_ENV]: dir, [PROFILE_INTERVAL_ENV]: '500' }, encoding: 'utf8', timeout: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return readProfiles(dir);
}

/** A synthetic profile: root → caller → one leaf per name, each leaf sampled `hits[i]` times at 1 ms. */
function syntheticProfile(names: readonly string[], hits: readonly number[]): CpuProfile {
  const frame = (functionName: string, line: number) => ({ functionName, scriptId: '1', url: 'file:///app/lib/work.js', lineNumber: line, columnNumber: 0 });
  const nodes = [
    { id: 1, callFrame: frame('(root)', -1), children: [2] },
    { id: 2, callFrame: frame('caller', 1), children: names.map((_, i) => 3 + i) },
    ...names.map((n, i) => ({ id: 3 + i, callFrame: frame(n, 10 + i) })),
  ];
  const samples: number[] = [];
  names.forEach((_, i) => {
    for (let k = 0; k < (hits[i] ?? 0); k++) samples.push(3 + i);
  });
  // Interleaved, as a real profile's samples are.
  const order = new Rng(7);
  for (let i = samples.length - 1; i > 0; i--) {
    const j = Math.floor(order.next() * (i + 1));
    [samples[i], samples[j]] = [samples[j] as number, samples[i] as number];
  }
  return { nodes, startTime: 0, endTime: samples.length * 1000, samples, timeDeltas: samples.map(() => 1000) };
}

describe('CPU profiles of a planted hot function', () => {
  let dir: string;
  let profiles: LabelledProfile[];
  beforeAll(() => {
    dir = join(tempDir(), 'profiles', 'run-1');
    profiles = profileHotChild(dir);
  });

  it('the forked process writes its profile into the folder from its environment', () => {
    expect(profiles).toHaveLength(1);
    expect(profiles[0]!.process).toMatch(/^agent-0-\d+$/);
    expect(profiles[0]!.profile.samples!.length).toBeGreaterThan(50);
  });

  it('the planted function is first by self time, under its caller, and becomes the finding', () => {
    const top = topFunctions(buildFlameTree(profiles));
    expect(top.entries[0]!.frame.name).toBe('plantedHotSpin');
    expect(top.entries[0]!.mainCaller?.name).toBe('plantedCaller');
    expect(top.entries[0]!.totalUs).toBeGreaterThanOrEqual(top.entries[0]!.selfUs);
    const caller = top.entries.find((e) => e.frame.name === 'plantedCaller')!;
    expect(caller.totalUs).toBeGreaterThanOrEqual(top.entries[0]!.totalUs);
    const finding = hotspotFinding(profiles)!;
    expect(finding.kind).toBe(HOTSPOT_KIND);
    expect(finding.component).toBe('agent/plantedHotSpin');
    expect(finding.evidence).toMatch(/^\d+ % of agent CPU in `plantedHotSpin \(profile\/hot-child\.mjs:\d+\)` under `plantedCaller/);
    const share = finding.figures!.find((f) => f.name === 'cpuShare')!.value;
    expect(share).toBeGreaterThan(0.5);
    expect(renderTopTable(top, 5).split('\n')[2]).toContain('plantedHotSpin');
  });

  it('the SVG flamegraph draws it, every name escaped', () => {
    const svg = renderFlamegraphSvg(buildFlameTree(profiles), 'flame <of> "run" & co');
    expect(svg).toContain('plantedHotSpin');
    expect(svg).toContain('flame &lt;of&gt; &quot;run&quot; &amp; co');
    expect(svg.match(/<g>/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
    expect(svg).not.toMatch(/<script/i);
  });

  it('speedscope output has the documented file-format shape', () => {
    const s = toSpeedscope(profiles, 'run-1', 'swarmperf test');
    expect(s.$schema).toBe('https://www.speedscope.app/file-format-schema.json');
    expect(s.activeProfileIndex).toBe(0);
    for (const f of s.shared.frames) expect(typeof f.name).toBe('string');
    expect(s.profiles).toHaveLength(1);
    const p = s.profiles[0]!;
    expect(p.type).toBe('sampled');
    expect(p.unit).toBe('microseconds');
    expect(p.samples.length).toBe(p.weights.length);
    for (const stack of p.samples) for (const i of stack) expect(i >= 0 && i < s.shared.frames.length).toBe(true);
    expect(p.endValue - p.startValue).toBeCloseTo(p.weights.reduce((a, w) => a + w, 0), 6);
    // The planted function is the leaf of most of the weight.
    const hot = s.shared.frames.findIndex((f) => f.name === 'plantedHotSpin');
    const hotWeight = p.samples.reduce((a, st, i) => a + (st.at(-1) === hot ? p.weights[i]! : 0), 0);
    expect(hotWeight / p.endValue).toBeGreaterThan(0.5);
    JSON.parse(JSON.stringify(s));
  });

  it('pprof output parses with pprof-format, the planted function carrying most CPU', () => {
    const decoded = Profile.decode(toPprof(profiles));
    const str = (decoded.stringTable as StringTable).strings;
    expect(decoded.sampleType.map((t) => `${str[Number(t.type)]}/${str[Number(t.unit)]}`)).toEqual(['samples/count', 'cpu/nanoseconds']);
    const fnName = new Map(decoded.function.map((f) => [Number(f.id), str[Number(f.name)]]));
    const leafName = new Map(decoded.location.map((l) => [Number(l.id), fnName.get(Number(l.line[0]!.functionId))]));
    let hot = 0;
    let all = 0;
    for (const s of decoded.sample) {
      const ns = Number(s.value[1]);
      all += ns;
      if (leafName.get(Number(s.locationId[0])) === 'plantedHotSpin') hot += ns;
      expect(str[Number(s.label[0]!.key)]).toBe('process');
    }
    expect(hot / all).toBeGreaterThan(0.5);
    const tree = buildFlameTree(profiles);
    expect(all / 1000).toBeCloseTo(tree.totalUs, -2);
  });

  it('the enricher puts one cpu-hotspot finding on a profiled run, enriching twice included', () => {
    const dataDir = join(dir, '..', '..');
    const result = { id: 'run-1', profiles: { dir: join('profiles', 'run-1'), intervalUs: 500, processes: [profiles[0]!.process] }, findings: [{ kind: 'other', severity: 'info', evidence: 'x', recommendation: 'y' }] } as unknown as RunResult;
    const warnings: string[] = [];
    cpuHotspotEnricher(result, { dataDir, warn: (m) => warnings.push(m) });
    cpuHotspotEnricher(result, { dataDir, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(result.findings!.map((f) => f.kind)).toEqual(['other', HOTSPOT_KIND]);
    expect(result.findings![1]!.command).toBe('swarmperf profile run-1 --format svg --out flame.svg');
    const unprofiled = { id: 'r2', findings: [] } as unknown as RunResult;
    cpuHotspotEnricher(unprofiled, { dataDir, warn: (m) => warnings.push(m) });
    expect(unprofiled.findings).toEqual([]);
  });
});

describe('profile formats and inputs', () => {
  it('escapes every XML special character', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
    const evil = syntheticProfile(['evil<script>&"q"', 'ok'], [300, 10]);
    const svg = renderFlamegraphSvg(buildFlameTree([{ process: 'main', profile: evil }]), 't');
    expect(svg).toContain('evil&lt;script&gt;&amp;&quot;q&quot;');
    expect(svg).not.toContain('<script>');
  });

  it('merges several processes into one valid .cpuprofile on their common clock', () => {
    const a = syntheticProfile(['f', 'g'], [30, 20]);
    const b = { ...syntheticProfile(['h'], [40]), startTime: 500, endTime: 40_500 };
    const merged = parseCpuProfile(JSON.stringify(mergeCpuProfiles([{ process: 'agent-0-1', profile: a }, { process: 'agent-1-2', profile: b }])), 'merged');
    expect(merged.samples).toHaveLength(90);
    const ids = new Set(merged.nodes.map((n) => n.id));
    expect(ids.size).toBe(merged.nodes.length);
    for (const s of merged.samples!) expect(ids.has(s)).toBe(true);
    for (const d of merged.timeDeltas!) expect(d).toBeGreaterThanOrEqual(0);
    const rootChildren = merged.nodes[0]!.children!.map((id) => merged.nodes.find((n) => n.id === id)!.callFrame.functionName);
    expect(rootChildren).toEqual(['agent-0-1', 'agent-1-2']);
    // One process: passed through unchanged.
    expect(mergeCpuProfiles([{ process: 'main', profile: a }])).toBe(a);
  });

  it('names no hotspot in noise: a planted share ≥ 40 % is found in every trial, an even spread never', () => {
    const rng = new Rng(11);
    let found = 0;
    let falseAlarms = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const k = 10 + Math.floor(rng.next() * 10);
      const names = Array.from({ length: k }, (_, i) => `fn${i}`);
      // Noise: every function about the same share (±30 %), all below the 20 % threshold.
      const even = names.map(() => Math.round(100 * (0.7 + 0.6 * rng.next())));
      if (hotspotFinding([{ process: 'agent-0-1', profile: syntheticProfile(names, even) }])) falseAlarms++;
      // Planted: one function with 40–80 % of the samples.
      const share = 0.4 + 0.4 * rng.next();
      const rest = even.reduce((a, h) => a + h, 0);
      const planted = [Math.round((share / (1 - share)) * rest), ...even];
      const f = hotspotFinding([{ process: 'agent-0-1', profile: syntheticProfile(['planted', ...names], planted) }]);
      if (f?.component === 'agent/planted') found++;
    }
    expect(falseAlarms).toBe(0);
    expect(found).toBe(trials);
  });

  it('too few samples make no finding', () => {
    expect(hotspotFinding([{ process: 'main', profile: syntheticProfile(['only'], [50]) }])).toBeUndefined();
  });

  it('rejects bad input with one clear message', () => {
    expect(() => parseProfileInterval('--profile-interval', '10us')).toThrow(UsageError);
    expect(() => parseProfileInterval('--profile-interval', '5s')).toThrow(/out of range/);
    expect(parseProfileInterval('--profile-interval', '500us')).toBe(500);
    expect(() => parseCpuProfile('{"nodes":3}', 'x.cpuprofile')).toThrow(/x\.cpuprofile: not a V8 CPU profile/);
    expect(() => parseCpuProfile('nope', 'y.cpuprofile')).toThrow(/y\.cpuprofile: not JSON/);
    const data = tempDir();
    expect(() => resolveProfilePath('latest', data)).toThrow(/no profiled runs/);
    expect(() => resolveProfilePath('no-such-run', data)).toThrow(UsageError);
    const d = join(data, 'profiles', 'r1');
    mkdirSync(d, { recursive: true });
    writeProfile(d, 'main', syntheticProfile(['a'], [5]));
    expect(resolveProfilePath('latest', data)).toBe(d);
    expect(resolveProfilePath('r1', data)).toBe(d);
    expect(() => selectProfiles(d, 'agent')).toThrow(/no process "agent".*there are: main/);
    writeFileSync(join(d, 'bad.cpuprofile'), '{');
    expect(() => selectProfiles(d)).toThrow(UsageError);
  });

  it('profiles this process in-process (the main process of a run)', async () => {
    const p = await startProfiler(1000);
    let x = 0;
    for (let i = 0; i < 1e5; i++) x += i;
    const profile = await p.stop();
    expect(x).toBeGreaterThan(0);
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(profile.endTime).toBeGreaterThanOrEqual(profile.startTime);
  });
});

describe('swarmperf run --profile (end to end, agents forked)', () => {
  it('stores one profile per agent and the main process, referenced from the RunResult', () => {
    const data = tempDir();
    const out = join(data, 'r.json');
    const r = runCli(['run', 'tasks', '--quick', '--duration', '1s', '--warmup', '0s', '--agents', '2', '--profile', '--profile-interval', '2ms', '--json', out, '--data-dir', data, '--no-history', '--quiet'], { timeoutMs: 120_000 });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.status).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(result.profiles?.intervalUs).toBe(2000);
    expect(result.profiles?.processes).toHaveLength(3);
    expect(result.profiles?.processes.filter((p) => /^agent-[01]-\d+$/.test(p))).toHaveLength(2);
    const dir = join(data, result.profiles!.dir);
    expect(readdirSync(dir).sort()).toEqual(result.profiles!.processes.map((p) => `${p}.cpuprofile`));
    // The cost is recorded with the run: every sample in the files counted, the calibration's spread ordered.
    expect(result.profiles?.overhead?.samples).toBe(readProfiles(dir).reduce((n, p) => n + (p.profile.samples?.length ?? 0), 0));
    const ratio = result.profiles?.overhead?.workRatio;
    expect(ratio && ratio.min > 0 && ratio.min <= ratio.median && ratio.median <= ratio.max).toBe(true);
    const top = runCli(['profile', result.id, '--data-dir', data, '--process', 'agent', '--limit', '5']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/^CPU time [\d.]+ ms/);
    const svg = join(data, 'flame.svg');
    expect(runCli(['profile', 'latest', '--data-dir', data, '--out', svg]).status).toBe(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<\?xml[\s\S]*<\/svg>\n$/);
    const bad = runCli(['profile', result.id, '--data-dir', data, '--format', 'png']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format: "png"');
    expect(existsSync(join(data, 'profiles'))).toBe(true);
  });
});

describe('profiled runs are kept apart', () => {
  it('a profiled run has its own configuration fingerprint; an unprofiled one keeps the old id', async () => {
    const { runFingerprint } = await import('../../src/results/env.js');
    const env = { node: 'v20', os: 'linux', arch: 'x64', cpuModel: 'cpu', cores: 2, memoryBytes: 1, hostname: 'h', swarmperfVersion: '0' };
    const suites = [{ name: 'tasks', backend: 'sqlite' }] as RunResult['suites'];
    const plain = runFingerprint({ config: { command: 'run', agents: 2, durationUs: 2e6 }, env, suites });
    const profiled = runFingerprint({ config: { command: 'run', agents: 2, durationUs: 2e6, profileIntervalUs: 1000 }, env, suites });
    expect(profiled.id).not.toBe(plain.id);
    expect(profiled.parts.profiled).toBe(true);
    expect('profiled' in plain.parts).toBe(false);
  });
});

describe('swarmperf bench --profile (simulator, main process only)', () => {
  it('profiles the simulator run and names the folder after the run id', () => {
    const data = tempDir();
    const out = join(data, 'r.json');
    const r = runCli(['bench', '--protocol', 'raft', '--duration', '1s', '--warmup', '0s', '--profile', '--json', out, '--data-dir', data, '--no-history', '--quiet']);
    expect(r.status).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    expect(result.profiles).toMatchObject({ dir: join('profiles', result.id), intervalUs: 1000, processes: ['main'] });
    expect(result.config.profileIntervalUs).toBe(1000);
    expect(existsSync(join(data, 'profiles', result.id, 'main.cpuprofile'))).toBe(true);
    const bad = runCli(['bench', '--protocol', 'raft', '--profile', '--profile-interval', '10us', '--data-dir', data, '--no-history']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--profile-interval: 10us is out of range');
  });
});

describe('swarmperf profile --cmd', () => {
  it('runs a Node program under the profiler and names its hot function', () => {
    const data = tempDir();
    const fixture = fileURLToPath(new URL('../fixtures/profile/hot-plain.mjs', import.meta.url));
    const r = runCli(['profile', '--cmd', `"${process.execPath}" "${fixture}" 300`, '--profile-interval', '500us', '--data-dir', data, '--limit', '5']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/profiled 1 Node process \(exit 0\)/);
    const rows = r.stdout.split('\n');
    expect(rows[2]).toContain('plantedHotSpin');
    expect(r.stdout).toMatch(/cpu-hotspot: \d+ % of process CPU in `plantedHotSpin/);
    const notNode = runCli(['profile', '--cmd', 'true', '--data-dir', data]);
    expect(notNode.status).toBe(2);
    expect(notNode.stderr).toContain('wrote no CPU profile');
    expect(runCli(['profile', 'some-run', '--cmd', 'true', '--data-dir', data]).status).toBe(2);
  });
});
