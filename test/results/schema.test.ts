import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runResultJsonSchema } from '../../src/results/export-schema.js';
import { parseRunResult } from '../../src/core/result.js';

describe('RunResult schema', () => {
  it('the committed JSON Schema matches the zod schema (run `npm run schema` after changing it)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../schema/run-result.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(runResultJsonSchema());
  });

  it('names the offending path when input is not a RunResult', () => {
    expect(() => parseRunResult({ schemaVersion: 1, id: 'x' }, 'file.json')).toThrow(/file\.json: not a swarmperf RunResult: startedAt/);
    expect(() => parseRunResult({ schemaVersion: 99 }, 'f')).toThrow(/schemaVersion/);
  });
});
