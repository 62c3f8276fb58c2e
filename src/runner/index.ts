/**
 * The runner: one engine for every measuring command (executor + workload + recorder + sampler)
 * and the output seam its events go out through. Sits above measure/load/monitor, below targets.
 */
export { RunSession, type OutputEvent, type OutputFailure, type RunSessionOptions } from './session.js';
export { buildSuiteResult, measure, runSuite, startSuiteSampler, type Judgement, type Measurement, type MeasureSpec, type RunSuiteSpec, type SamplerSpec, type SuiteParts } from './suite.js';
export { progressOnly, runMeasuredPhase, silentProgress, windowListener, type MeasuredPhaseOptions, type MeasuredPhaseOutcome, type PhaseDriver } from './phase.js';
export { closedLoopExecutor, customExecutor, openLoopExecutor, type ClosedLoopExecutorOptions, type Executor, type OpenLoopExecutorOptions, type Phase, type PhaseLength } from './executors.js';
export { defaultIntervalUs } from './interval.js';
