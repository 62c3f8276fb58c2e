/**
 * The `--mcp-map FILE` flag, apart from the mapping's parser: `run` and `contract` apply it to the
 * backend spec without loading the MCP client, yaml and zod (mapping.ts, backend.ts), which only
 * the backend that uses the mapping opens.
 */
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../../../core/errors.js';

/**
 * `--mcp-map FILE`: the mapping of every mcp: and mcp+http:// backend in a comma list that has
 * none of its own (as if each ended in ?map=FILE, the path made absolute for the agent processes).
 */
export function withMcpMap(backends: string, file: string): string {
  const path = isAbsolute(file) ? file : resolve(file);
  let applied = 0;
  const out = backends.split(',').map((raw) => {
    const spec = raw.trim();
    if (!/^mcp(\+http)?:/.test(spec)) return spec;
    const q = spec.indexOf('?');
    const query = q >= 0 ? spec.slice(q + 1) : '';
    if (query.split('&').some((part) => part.startsWith('map='))) throw new UsageError(`--mcp-map: the backend "${spec}" names its own mapping (?map=…); give one or the other`);
    applied++;
    return `${spec}${q >= 0 ? '&' : '?'}map=${path}`;
  });
  if (applied === 0) throw new UsageError(`--mcp-map: only mcp: and mcp+http:// backends take a mapping file; --backend is "${backends}"`);
  return out.join(',');
}
