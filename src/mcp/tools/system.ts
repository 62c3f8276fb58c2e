/**
 * memory_usage: how much memory the server process and the configured backend hold right now —
 * process (RSS, heap, external, array buffers, peak RSS), V8 heap spaces, and the backend's
 * entries (count, value bytes) and files on disk.
 */
import { statSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { formatBytes } from '../../core/units.js';
import { parseBackendSpec } from '../../targets/backend.js';
import type { ServerContext } from '../context.js';
import { guarded, ok } from './common.js';

function fileBytes(path: string): number {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

export async function memoryUsage(ctx: ServerContext): Promise<Record<string, unknown>> {
  const m = process.memoryUsage();
  const proc = {
    pid: process.pid,
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    // ru_maxrss is in kilobytes on Linux.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    heapSpaces: getHeapSpaceStatistics().map((s) => ({ name: s.space_name, usedBytes: s.space_used_size, sizeBytes: s.space_size })),
  };
  const backend = await ctx.backend();
  // Counting every entry is O(n) but exact; memory stores of agent swarms are small enough.
  const entries = await backend.memory.export();
  const now = Date.now();
  let valueBytes = 0;
  let keyBytes = 0;
  let withTtl = 0;
  for (const e of entries) {
    valueBytes += Buffer.byteLength(e.value, 'utf8');
    keyBytes += Buffer.byteLength(e.fullKey, 'utf8');
    if (e.expiresAt !== null && e.expiresAt > now) withTtl++;
  }
  const parsed = parseBackendSpec(ctx.config.backend, ctx.config.dataDir);
  const files: Record<string, number> = {};
  if (parsed.kind === 'sqlite' && parsed.location) {
    for (const suffix of ['', '-wal', '-shm']) files[parsed.location + suffix] = fileBytes(parsed.location + suffix);
  }
  return {
    process: proc,
    backend: {
      name: backend.name,
      memoryEntries: entries.length,
      entriesWithTtl: withTtl,
      valueBytes,
      keyBytes,
      ...(Object.keys(files).length > 0 ? { files, fileBytes: Object.values(files).reduce((a, b) => a + b, 0) } : {}),
    },
  };
}

export function registerSystemTools(server: McpServer, ctx: ServerContext): void {
  server.registerTool(
    'memory_usage',
    {
      title: 'Memory usage',
      description: "The server process's memory (RSS, peak RSS, V8 heap and its spaces, external buffers) and the configured backend's (memory entries, key and value bytes, database files on disk).",
      inputSchema: z.strictObject({}),
    },
    () =>
      guarded('memory_usage', async () => {
        const u = await memoryUsage(ctx);
        const p = u.process as { rssBytes: number; peakRssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
        const b = u.backend as { name: string; memoryEntries: number; valueBytes: number; fileBytes?: number };
        const text = [
          `process: rss ${formatBytes(p.rssBytes)} (peak ${formatBytes(p.peakRssBytes)}), heap ${formatBytes(p.heapUsedBytes)} of ${formatBytes(p.heapTotalBytes)}, external ${formatBytes(p.externalBytes)}`,
          `backend ${b.name}: ${b.memoryEntries} memory entries, ${formatBytes(b.valueBytes)} of values${b.fileBytes !== undefined ? `, ${formatBytes(b.fileBytes)} on disk` : ''}`,
        ].join('\n');
        return ok(text, u);
      }),
  );
}
