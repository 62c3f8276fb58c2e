/** Writes the RunResult JSON Schema to schema/run-result.schema.json (npm run schema). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RunResultSchema } from '../core/result.js';

export function runResultJsonSchema(): unknown {
  return z.toJSONSchema(RunResultSchema, { target: 'draft-2020-12' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = new URL('../../schema/run-result.schema.json', import.meta.url);
  writeFileSync(out, JSON.stringify(runResultJsonSchema(), null, 2) + '\n');
  console.log(`wrote ${fileURLToPath(out)}`);
}
