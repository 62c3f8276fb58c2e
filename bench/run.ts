/**
 * `npm run bench`: runs every bench/*.bench.ts in turn (or those named on the command line, e.g.
 * `npm run bench -- harness http`), each as its own process so one benchmark's heap and JIT state
 * do not colour the next. Each prints its own markdown table; they are collected in bench/out/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (benches.length === 0) {
  console.error(`bench: no benchmark matches ${wanted.join(', ')}`);
  process.exit(2);
}
mkdirSync(join(here, 'out'), { recursive: true });
let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout);
  writeFileSync(join(here, 'out', file.replace('.bench.ts', '.md')), r.stdout);
  if (r.status !== 0) {
    failed++;
    console.error(`bench: ${file} exited with ${r.status}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
