/**
 * `--json FILE` as an output of the run: the RunResult, pretty-printed, written atomically at
 * finish (`-` writes to stdout). A file that cannot be written fails the output, and the run's
 * result goes to the fallback file instead (see pipeline.ts writeFallback) — never nowhere.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Output } from '../core/events.js';
import { writeFileAtomic } from './atomic-write.js';

export interface JsonOutput extends Output {
  /** Whether the file was written (for the summary line). */
  readonly written: boolean;
}

export function jsonOutput(path: string, stdout: NodeJS.WritableStream = process.stdout): JsonOutput {
  let written = false;
  return {
    get written() {
      return written;
    },
    name: path === '-' ? 'json (stdout)' : `json ${path}`,
    finish(result) {
      const json = JSON.stringify(result, null, 2) + '\n';
      if (path === '-') {
        stdout.write(json);
        written = true;
        return;
      }
      const full = resolve(path);
      // Create nothing above the file: a missing folder is a mistake in the path, said as such.
      const dir = dirname(full);
      if (!existsSync(dir)) throw new Error(`--json ${path}: the folder ${dir} does not exist`);
      if (existsSync(full) && statSync(full).isDirectory()) throw new Error(`--json ${path}: is a folder, not a file`);
      try {
        writeFileAtomic(full, json);
        written = true;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new Error(`--json ${path}: cannot write the file${typeof code === 'string' ? ` (${code})` : ''}`);
      }
    },
  };
}
