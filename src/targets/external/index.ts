/** What a user needs to point swarmperf at their own store (re-exported by the package). */
export { PORT_NAMES, PortMissingError, completeBackend, portsProvided, type PartialBackend, type PortName } from './ports.js';
export { openModuleBackend, PORT_METHODS, type AdapterModuleOptions, type CreateBackend } from './module.js';
export { McpMappingSchema, parseMcpMapping, readMcpMapping, type McpMapping, type OperationMapping } from './mcp/mapping.js';
export { withMcpMap } from './mcp/map-flag.js';
export { openMcpBackend, NotMappedError, ToolCallError } from './mcp/backend.js';
