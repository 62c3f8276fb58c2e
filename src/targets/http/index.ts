/** HTTP as a target: request spec from flags, loopback-only safe mode, the undici-backed target. */
export * from './request-spec.js';
export * from './safety.js';
export * from './target.js';
