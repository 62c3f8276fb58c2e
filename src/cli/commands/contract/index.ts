/**
 * `swarmperf contract BACKEND`: the conformance report of a store — which coordination semantics
 * hold (atomic claim, lease fencing, ordered delivery, TTL, glob search, concurrent writes kept),
 * which fail (with the ids involved) and which are skipped because the adapter lacks the port.
 * Exit 0 when none fails, 1 when one does, 2 on bad input. The checks reset the store: point it at
 * scratch state (for module: and mcp:, the adapter's own reset()).
 */
import type { Command } from 'commander';
import { parseDurationUs, parseIntFlag, UsageError } from '../../../core/parse.js';
import { resolveDataDir } from '../../../results/data-dir.js';
import { openBackend } from '../../../targets/backend.js';
import { withMcpMap } from '../../../targets/external/mcp/map-flag.js';
import { checkSemantics, SEMANTIC_CHECKS, type SemanticResult } from '../../../targets/contract/semantics.js';
import { addResultFlags, checkResultFlags, printResults, type ResultFlags } from '../../result-flags.js';

interface ContractRaw extends ResultFlags {
  rounds?: string;
  concurrency?: string;
  ttl?: string;
  dataDir?: string;
  mcpMap?: string;
}

const MARK: Record<SemanticResult['status'], string> = { holds: '✓ holds  ', fails: '✗ FAILS  ', skipped: '– skipped' };

export function formatContract(backend: string, results: readonly SemanticResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = [`contract · ${backend}`, ''];
  for (const r of results) {
    const meaning = SEMANTIC_CHECKS.find((c) => c.name === r.name)?.meaning ?? '';
    lines.push(`  ${MARK[r.status]}  ${r.name.padEnd(width)}  [${r.port}] ${r.detail}`);
    if (r.status === 'fails') lines.push(`  ${' '.repeat(9)}  ${' '.repeat(width)}  expected: ${meaning}`);
  }
  const count = (s: SemanticResult['status']): number => results.filter((r) => r.status === s).length;
  lines.push('', `${count('holds')} hold, ${count('fails')} fail, ${count('skipped')} skipped`);
  return lines.join('\n') + '\n';
}

export function registerContractCommand(program: Command): void {
  const cmd = program
    .command('contract')
    .description('check which coordination semantics a store keeps (atomic claim, lease fencing, ordered delivery, TTL, glob search); exit 1 when one fails')
    .argument('<backend>', 'backend spec: module:FILE, mcp:COMMAND?map=FILE, mcp+http://HOST:PORT/PATH?map=FILE, sqlite[:PATH], jsonfile[:DIR], memory')
    .option('--rounds <n>', 'rounds of the racy checks (a race may need several tries to show)', '5')
    .option('--concurrency <n>', 'concurrent claims and stores per round', '32')
    .option('--ttl <duration>', 'TTL and lease length of the expiry checks', '300ms')
    .option('--mcp-map <file>', 'mapping file (JSON or YAML) for an mcp: or mcp+http:// backend without ?map=')
    .option('--data-dir <dir>', 'where swarmperf keeps its data (default ./.swarmperf or $SWARMPERF_HOME)');
  addResultFlags(cmd, 'the check results').action(async (spec: string, raw: ContractRaw) => {
      checkResultFlags(raw);
      const rounds = parseIntFlag('--rounds', raw.rounds ?? '5', 1, 1_000);
      const concurrency = parseIntFlag('--concurrency', raw.concurrency ?? '32', 2, 10_000);
      const ttlUs = parseDurationUs('--ttl', raw.ttl ?? '300ms');
      if (ttlUs < 10_000 || ttlUs > 60_000_000) throw new UsageError(`--ttl: expected 10ms to 60s, got "${raw.ttl}"`);
      const backend = await openBackend(raw.mcpMap !== undefined ? withMcpMap(spec, raw.mcpMap) : spec, resolveDataDir(raw.dataDir));
      let results: SemanticResult[];
      try {
        results = await checkSemantics(backend, { rounds, concurrency, ttlMs: Math.round(ttlUs / 1000), timeoutMs: Math.max(5_000, (ttlUs / 1000) * 10) });
      } finally {
        await backend.close();
      }
      printResults(raw, { backend: backend.name, spec, results }, () => formatContract(backend.name, results));
      if (results.some((r) => r.status === 'fails')) process.exitCode = 1;
    });
}
