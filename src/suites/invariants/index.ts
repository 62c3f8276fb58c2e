/** The invariant checkers: pure functions over event logs and end states → CheckResult. */
export * from './common.js';
export * from './tasks.js';
export * from './leases.js';
export * from './deliveries.js';
export * from './memory.js';
export * from './registry.js';
