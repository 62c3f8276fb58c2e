/** Environment fingerprint: enough to tell whether two runs are comparable. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { EnvFingerprint } from '../core/result.js';
import { swarmperfVersion } from '../core/version.js';

let cached: EnvFingerprint | undefined;

export { swarmperfVersion };

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim();
  } catch {
    return undefined;
  }
}

/** Fingerprint of this machine and, when run inside a git checkout, its sha, branch and dirty flag. */
export function envFingerprint(cwd = process.cwd()): EnvFingerprint {
  if (cached) return cached;
  const cpus = os.cpus();
  const env: EnvFingerprint = {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    hostname: os.hostname(),
    swarmperfVersion: swarmperfVersion(),
  };
  const sha = git(['rev-parse', 'HEAD'], cwd);
  if (sha) {
    env.gitSha = sha;
    const branch = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
    if (branch) env.gitBranch = branch;
    env.gitDirty = (git(['status', '--porcelain', '--untracked-files=no'], cwd) ?? '') !== '';
  }
  cached = env;
  return env;
}
