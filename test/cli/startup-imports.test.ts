/**
 * What commands load at start-up, read with a module loader hook in a fresh process (the import
 * graph the built CLI really loads). `tools ingest` starts the ingest in a worker thread; the
 * thread that starts it must not pay for what only the worker or `tools report` uses: zod (95
 * modules), SQLite, the histograms, the report renderers. `run` and `contract` apply --mcp-map
 * without the MCP client, which only an MCP backend needs.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');

function modulesLoadedBy(specifier: string): string[] {
  const dir = tempDir();
  const hook = join(dir, 'hook.mjs');
  const hooks = `export async function load(url, context, next) { const r = await next(url, context); if (!url.startsWith('node:')) process.stderr.write('LOADED ' + url + '\\n'); return r; }`;
  writeFileSync(hook, `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));\n`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, '--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(ROOT, specifier)).href)})`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr.split('\n').flatMap((l) => (l.startsWith('LOADED ') ? [l.slice(7)] : []));
}

describe('the tools command loads only what registering it needs', () => {
  it('no zod, SQLite, histograms or report renderers in the thread that starts the ingest', () => {
    const loaded = modulesLoadedBy('dist/cli/commands/tools.js');
    expect(loaded.some((u) => u.endsWith('/dist/cli/commands/tools.js'))).toBe(true);
    const heavy = loaded.filter((u) => /node_modules\/(zod|better-sqlite3|hdr-histogram-js)\/|\/dist\/report\/tool-timing\/(?!formats)|\/dist\/timings\/(ingest|store|report)\.js/.test(u));
    expect(heavy).toEqual([]);
  });
});

describe('the run and contract commands load the MCP client only for an MCP backend', () => {
  it('--mcp-map is applied without the MCP SDK, yaml or the MCP backend', () => {
    for (const command of ['dist/cli/commands/run.js', 'dist/cli/commands/contract/index.js']) {
      const loaded = modulesLoadedBy(command);
      expect(loaded.some((u) => u.endsWith(command.slice('dist'.length))), command).toBe(true);
      expect(loaded.filter((u) => /node_modules\/(@modelcontextprotocol|yaml)\/|\/dist\/targets\/external\/mcp\/(backend|mapping)\.js/.test(u)), command).toEqual([]);
    }
  });
});
