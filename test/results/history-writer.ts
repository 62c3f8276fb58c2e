/** Child process for the concurrent-writer test: records N runs into one history as fast as it can. */
import { openHistory } from '../../src/results/history/index.js';
import { syntheticRun } from './fixtures.js';

const [file, seedText, countText] = process.argv.slice(2);
const seed = Number(seedText);
const h = openHistory(file as string);
for (let i = 0; i < Number(countText); i++) {
  const run = syntheticRun({ seed: seed + i, ops: [{ name: 'claim', medianUs: 1000, samples: 200 }] });
  run.id = `${run.id}-${seed}-${i}`;
  h.record(run);
}
h.close();
