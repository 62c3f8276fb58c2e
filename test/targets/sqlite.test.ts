import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/targets/sqlite/index.js';
import { CLAIM_SQL } from '../../src/targets/sqlite/tasks.js';
import { describeBackendContract } from './contract/index.js';

// A fresh database file per test; the bus polls every 1 ms as in production.
describeBackendContract('sqlite', ({ now }) => SqliteBackend.open(join(mkdtempSync(join(tmpdir(), 'swarmperf-sqlite-')), 'coordination.db'), { now }));

describe('sqlite claim: one autocommit statement that locks before it reads', () => {
  // claim() runs CLAIM_SQL outside any explicit transaction. That is only atomic across processes
  // because SQLite opens the statement's WRITE transaction in its prologue, before the subquery
  // picks a candidate. If the statement ever stopped being a write (or lost its prologue lock),
  // two processes could read the same candidate: this test then fails.
  it('opens a write transaction before any table is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmperf-sqlite-'));
    const backend = await SqliteBackend.open(join(dir, 'coordination.db'));
    try {
      const db = new Database(join(dir, 'coordination.db'));
      const program = db.prepare(`EXPLAIN ${CLAIM_SQL}`).all({ worker: 'w', now: 1, minPriority: 0 }) as Array<{ addr: number; opcode: string; p1: number; p2: number }>;
      db.close();
      const byAddr = new Map(program.map((op) => [op.addr, op]));
      // Follow execution from Init (which jumps to the prologue) to the first table access.
      const executed: string[] = [];
      let op = byAddr.get(0);
      for (let steps = 0; op && steps < 50 && !/^Open(Read|Write)$/.test(op.opcode); steps++) {
        executed.push(op.opcode === 'Transaction' ? `Transaction(write=${op.p2})` : op.opcode);
        op = byAddr.get(op.opcode === 'Init' || op.opcode === 'Goto' ? op.p2 : op.addr + 1);
      }
      expect(op?.opcode).toMatch(/^Open(Read|Write)$/);
      expect(executed).toContain('Transaction(write=1)');
    } finally {
      backend.close();
    }
  });

  it('claims each task once across two connections to one file, taking turns', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'swarmperf-sqlite-')), 'coordination.db');
    const a = await SqliteBackend.open(path);
    const b = await SqliteBackend.open(path);
    try {
      for (let i = 0; i < 20; i++) await a.tasks.create({ title: `t${i}`, priority: i % 3 });
      const seen: string[] = [];
      for (;;) {
        const ta = await a.tasks.claim('a');
        const tb = await b.tasks.claim('b');
        if (ta) seen.push(ta.id);
        if (tb) seen.push(tb.id);
        if (!ta && !tb) break;
      }
      expect(seen).toHaveLength(20);
      expect(new Set(seen).size).toBe(20);
      expect((await a.tasks.list('claimed')).length).toBe(20);
    } finally {
      a.close();
      b.close();
    }
  });
});
