/** Writes that matter are atomic: a temp file in the same folder, fsync, then rename over the target. */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

export interface AtomicWriteOptions {
  /** Create missing parent folders (default true: the data folder's own files). */
  createParents?: boolean;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const dir = dirname(path);
  if (options.createParents !== false) mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

function reason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}

/**
 * Checks a user-given output file (`--json FILE`, `--out FILE`, `-o FILE`) before any work is
 * done, so a run is never measured only to fail at the end: the name is not empty, is not a
 * folder or a device (an atomic rename would replace `/dev/null` itself), its folder exists (no
 * folder is created for an output file) and accepts new files (`/proc` does not). Throws a
 * UsageError naming the flag and the path, never the temp file.
 */
export function checkOutputPath(flag: string, path: string): void {
  if (path.trim() === '') throw new UsageError(`${flag}: expected a file name, got an empty one`);
  const target = resolve(path);
  if (existsSync(target)) {
    const st = statSync(target);
    if (st.isDirectory()) throw new UsageError(`${flag}: ${path} is a folder; give a file name inside it`);
    if (!st.isFile()) throw new UsageError(`${flag}: ${path} is not a regular file (a device or pipe); use - for stdout`);
  }
  const dir = dirname(target);
  if (!existsSync(dir)) throw new UsageError(`${flag}: cannot create ${path}: folder ${dirname(path)} does not exist (output folders are not created; make it first)`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${flag}: cannot create ${path}: ${dirname(path)} is not a folder`);
  // Probe: some folders list as writable but accept no new file (/proc, /sys, read-only mounts).
  const probe = join(dir, `.${basename(target)}.${process.pid}.probe.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (err) {
    throw new UsageError(`${flag}: cannot create ${path}: folder ${dirname(path)} accepts no new file (${reason(err)})`);
  }
  rmSync(probe, { force: true });
}

/**
 * Writes a user-given output file atomically after the same checks as checkOutputPath; a failure
 * names the path (not the temp file) and creates no folder.
 */
export function writeOutputFile(flag: string, path: string, data: string | Uint8Array): void {
  checkOutputPath(flag, path);
  try {
    writeFileAtomic(path, data, { createParents: false });
  } catch (err) {
    throw new UsageError(`${flag}: cannot write ${path} (${reason(err)})`);
  }
}
