/**
 * The report's default window shows data: it ends at the newest stored call (logs are ingested
 * days after they were written), an empty window says how many calls are stored and from when to
 * when, and the CLI and the MCP tool take their window parameters and defaults from one schema.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerToolsCommand } from '../../src/cli/commands/tools.js';
import type { ServerContext } from '../../src/mcp/context.js';
import { registerReportTools } from '../../src/mcp/tools/reports.js';
import { ingestToolLogs } from '../../src/timings/ingest.js';
import { buildToolTimingReport, type ToolTimingRow } from '../../src/timings/report.js';
import { TOOL_REPORT_DEFAULTS } from '../../src/timings/report-defaults.js';
import { TOOL_REPORT_PARAMS } from '../../src/timings/report-params.js';
import { EXPECTED, realToolLog } from './fixtures.js';
import { runToolsCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'swarmperf-timings-window-'));
const dataDir = join(root, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const H = 3_600_000_000;
const lastUs = Date.parse(EXPECTED.toolLog.lastCall) * 1000;

beforeAll(() => {
  ingestToolLogs([realToolLog(root)], { dataDir });
});

describe('default window', () => {
  it('ends at the newest stored call and holds its last 24 h', () => {
    const r = buildToolTimingReport({ dataDir, sinceUs: 24 * H });
    expect(r.until).toBe(EXPECTED.toolLog.lastCall);
    expect(r.stored).toEqual({ calls: EXPECTED.toolLog.distinctCalls, first: EXPECTED.toolLog.firstCall, last: EXPECTED.toolLog.lastCall });
    expect(r.totals.count).toBeGreaterThan(0);
    const all = buildToolTimingReport({ dataDir, sinceUs: null });
    expect(r.totals.count).toBeLessThan(all.totals.count);
    // Hour resolution: the window starts at the start of the hour 24 h before the last call.
    expect(r.from).toBe(new Date(Math.floor((lastUs - 24 * H) / H) * (H / 1000)).toISOString());
    expect(r.hourly.reduce((s, h) => s + h.count, 0)).toBe(r.totals.count);
  });

  it('an empty window says how many calls are stored and from when to when', () => {
    const r = buildToolTimingReport({ dataDir, sinceUs: 24 * H, untilUs: Date.parse('2025-06-01T00:00:00Z') * 1000 });
    expect(r.rows).toEqual([]);
    expect(r.stored?.calls).toBe(EXPECTED.toolLog.distinctCalls);
  });
});

describe('swarmperf tools report (CLI)', () => {
  let out = '';
  let err = '';
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  it('with no flags right after an ingest of an old log shows its calls, not an empty window', async () => {
    expect(await runToolsCli(['tools', 'report', '--data-dir', dataDir])).toBe(0);
    expect(out).not.toMatch(/no tool calls in this window/);
    expect(out).toContain(`→ ${EXPECTED.toolLog.lastCall}`);
    // jq -r '[.call_id,.tool,.end_time]|@tsv' | awk '!seen[$1]++ && $3 >= <2026-01-03T17:00Z in ms>': 642 calls, 118 of them grep.
    expect(out).toContain('2026-01-03T17:00:00.000Z → 2026-01-04T17:52:59.457Z · 642 calls');
    expect(out).toMatch(/^grep\s+file_ops\s+118\s/m);
  });

  it('an empty window names the stored calls and their span', async () => {
    expect(await runToolsCli(['tools', 'report', '--until', '2025-06-01T00:00:00Z', '--data-dir', dataDir])).toBe(0);
    expect(out).toContain(`no tool calls in this window; 4,859 calls stored, from ${EXPECTED.toolLog.firstCall} to ${EXPECTED.toolLog.lastCall} (--since all shows them all)`);
    out = '';
    expect(await runToolsCli(['tools', 'report', '--until', '2025-06-01T00:00:00Z', '--format', 'markdown', '--data-dir', dataDir])).toBe(0);
    expect(out).toMatch(/4,859 calls stored, from 2026-01-02T09:18:31\.315Z to 2026-01-04T17:52:59\.457Z/);
  });

  it('--json prints the rows, like --format json; both with another format is a usage error', async () => {
    expect(await runToolsCli(['tools', 'report', '--json', '--since', 'all', '--data-dir', dataDir])).toBe(0);
    const rows = JSON.parse(out) as ToolTimingRow[];
    expect(rows.reduce((s, r) => s + r.count, 0)).toBe(EXPECTED.toolLog.distinctCalls);
    out = '';
    expect(await runToolsCli(['tools', 'report', '--format', 'json', '--since', 'all', '--data-dir', dataDir])).toBe(0);
    expect(JSON.parse(out)).toEqual(rows);
    expect(await runToolsCli(['tools', 'report', '--json', '--format', 'csv', '--data-dir', dataDir])).toBe(2);
    expect(err).toMatch(/--json and --format csv: give one of them/);
  });

  it('takes its flag defaults from the shared schema', () => {
    const program = new Command();
    registerToolsCommand(program);
    const report = program.commands.find((c) => c.name() === 'tools')!.commands.find((c) => c.name() === 'report')!;
    const defaults = Object.fromEntries(report.options.map((o) => [o.attributeName(), o.defaultValue as unknown]));
    expect(defaults).toMatchObject({ since: TOOL_REPORT_DEFAULTS.since, by: TOOL_REPORT_DEFAULTS.by, slowest: String(TOOL_REPORT_DEFAULTS.slowest) });
    expect(defaults.until).toBeUndefined();
    expect(TOOL_REPORT_PARAMS.parse({})).toEqual({ since: '24h', by: 'tool', slowest: 10 });
  });
});

describe('MCP tool_timing_report', () => {
  let client: Client;
  beforeAll(async () => {
    const server = new McpServer({ name: 'test', version: '0' });
    // The tool reads only the data folder from the server context.
    registerReportTools(server, { config: { dataDir } } as unknown as ServerContext);
    const [a, b] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'test-client', version: '0' });
    await Promise.all([server.connect(a), client.connect(b)]);
  });
  afterAll(async () => client?.close());

  const rowsOf = async (args: Record<string, unknown>): Promise<{ isError: boolean; rows: ToolTimingRow[]; text: string; until?: string }> => {
    const r = await client.callTool({ name: 'tool_timing_report', arguments: args });
    const sc = r.structuredContent as { rows?: ToolTimingRow[]; until?: string } | undefined;
    const text = (r.content as Array<{ text: string }>).map((c) => c.text).join('\n');
    return { isError: r.isError === true, rows: sc?.rows ?? [], text, ...(sc?.until ? { until: sc.until } : {}) };
  };

  it('accepts since: "all"', async () => {
    const r = await rowsOf({ since: 'all' });
    expect(r.isError).toBe(false);
    expect(r.rows.reduce((s, x) => s + x.count, 0)).toBe(EXPECTED.toolLog.distinctCalls);
  });

  it('defaults to the same window as the CLI (24 h up to the newest stored call)', async () => {
    const mcp = await rowsOf({});
    const cli = buildToolTimingReport({ dataDir, sinceUs: 24 * H });
    expect(mcp.until).toBe(EXPECTED.toolLog.lastCall);
    expect(mcp.rows).toEqual(cli.rows);
    expect(mcp.rows.reduce((s, x) => s + x.count, 0)).toBeLessThan(EXPECTED.toolLog.distinctCalls);
    const listed = await client.listTools();
    const schema = listed.tools.find((t) => t.name === 'tool_timing_report')!.inputSchema as { properties: Record<string, { default?: unknown }> };
    expect(schema.properties.since!.default).toBe(TOOL_REPORT_DEFAULTS.since);
    expect(schema.properties.by!.default).toBe(TOOL_REPORT_DEFAULTS.by);
    expect(schema.properties.until).toBeDefined();
  });

  it('names a bad window parameter', async () => {
    const r = await rowsOf({ since: 'recently' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/since: expected a duration/);
  });
});
