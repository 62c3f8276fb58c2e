/** swarmperf's public library API. */
export * from './measure/clock.js';
export * from './measure/histogram.js';
export * from './measure/stats.js';
export * from './measure/rng.js';
export * from './measure/recorder.js';
export * from './load/types.js';
export * from './load/closed-loop.js';
export * from './load/execute.js';
export * from './results/schema.js';
export * from './results/run-result.js';
export * from './monitor/sampler.js';
export * from './suites/types.js';
