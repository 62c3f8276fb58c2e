/** `--backend mcp+http://HOST:PORT/PATH?map=FILE`: the same mapping over streamable HTTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/targets/backend.js';
import { checkSemantics } from '../../src/targets/contract/semantics.js';

const SERVER = resolve('test/fixtures/your-system/store-server.mjs');
const MAP = resolve('examples/mcp-map.json');
let child: ChildProcess;
let port = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmperf-mcp-http-'));
  child = spawn(process.execPath, [SERVER, '--dir', dir, '--http', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Waits for the line announcing the bound port (an event, not a sleep).
  port = await new Promise<number>((resolvePort, reject) => {
    child.once('exit', (code) => reject(new Error(`fixture server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) resolvePort(Number(m[1]));
    });
  });
});
afterAll(() => {
  child.kill();
});

describe('mcp+http: backend', () => {
  it('maps the same tools over HTTP and finds the racy claim and the lost writes', async () => {
    const b = await openBackend(`mcp+http://127.0.0.1:${port}/mcp?map=${MAP}`, tmpdir());
    try {
      const results = await checkSemantics(b, { concurrency: 16, rounds: 3, ttlMs: 1000 });
      const status = Object.fromEntries(results.map((r) => [r.name, r.status]));
      expect(status['atomic claim']).toBe('fails');
      expect(status['concurrent writes kept']).toBe('fails');
      expect(status['glob search']).toBe('holds');
    } finally {
      await b.close();
    }
  });

  it('a URL that does not parse is a usage error naming the flag', async () => {
    await expect(openBackend(`mcp+http://[nope?map=${MAP}`, tmpdir())).rejects.toThrow(/--backend mcp\+http: expected an http/);
  });
});
