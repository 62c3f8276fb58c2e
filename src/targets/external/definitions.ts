/**
 * The backend kinds that point at the user's own coordination layer. They are listed with the
 * built-in kinds (targets/backend.ts) rather than registered from setup.ts because the agent
 * worker processes open backends without running setup(). The shape is BackendDefinition's
 * (checked where backend.ts lists them; importing the type here would make an import circle).
 */
import { defineParams, textParam } from '../../core/params.js';
import type { AdapterOptions } from '../options.js';
import type { Backend } from '../ports.js';

export const EXTERNAL_BACKENDS = [
  {
    kind: 'module',
    description: "the user's ES module implementing some or all of the five ports (see docs/your-system.md)",
    tuning: defineParams({}),
    location: 'file' as const,
    sharedAcrossProcesses: true,
    async open(location: string | undefined, _tuning: Record<string, number | string>, options: AdapterOptions): Promise<Backend> {
      const { openModuleBackend } = await import('./module.js');
      return openModuleBackend(location, options);
    },
  },
  {
    kind: 'mcp',
    description: "the user's MCP server (stdio command) with a mapping file from port operations to its tools (?map=FILE)",
    tuning: defineParams({
      map: textParam({ help: 'the mapping file (JSON or YAML) from port operations to the server tools' }),
    }),
    location: 'text' as const,
    sharedAcrossProcesses: true,
    async open(location: string | undefined, tuning: Record<string, number | string>, options: AdapterOptions): Promise<Backend> {
      const { openMcpBackend } = await import('./mcp/backend.js');
      return openMcpBackend(location, tuning.map as string | undefined, options);
    },
  },
  {
    kind: 'mcp+http',
    description: "the user's MCP server over streamable HTTP (mcp+http://HOST:PORT/PATH?map=FILE)",
    tuning: defineParams({
      map: textParam({ help: 'the mapping file (JSON or YAML) from port operations to the server tools' }),
    }),
    location: 'text' as const,
    sharedAcrossProcesses: true,
    async open(location: string | undefined, tuning: Record<string, number | string>, options: AdapterOptions): Promise<Backend> {
      const { openMcpBackend } = await import('./mcp/backend.js');
      return openMcpBackend(location === undefined ? undefined : `http:${location}`, tuning.map as string | undefined, options);
    },
  },
];
