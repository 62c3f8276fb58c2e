import { readFileSync } from 'node:fs';

/** The package's version, read from package.json next to dist/ (or src/ under tsx). */
export function swarmperfVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
