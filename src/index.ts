/**
 * swarmperf's public library API. Importing it runs setup() (src/setup.ts), so suites, backends,
 * enrichers, sinks and report formats are registered as in the CLI: `runSuites()` runs a suite,
 * records it in the history and returns it with its findings — no CLI in the process.
 */
import { setup } from './setup.js';

setup();

export { setup, listProtocols, getProtocol, type ProtocolEntry } from './setup.js';
export { runSuites, planSuiteRun, executeSuiteRun, recordRun, selectSuites, suiteParamShape, RUN_PARAMS, type RunSettings, type SuiteRunRequest, type SuiteRunPlan, type SuiteRunEnvironment, type RecordEnvironment, type PlannedSuite } from './results/run-suites.js';
export * from './core/params.js';
export { registerEnricher, registerSink, enrichRunResult, sinkRunResult, type Enricher, type Sink, type RunContext } from './results/pipeline.js';
export { loadTrends } from './report/history-trends.js';
export * from './measure/clock.js';
export * from './measure/histogram.js';
export * from './measure/stats.js';
export * from './measure/rng.js';
export * from './measure/recorder.js';
export * from './load/types.js';
export * from './load/closed-loop.js';
export * from './load/execute.js';
export { runOpenLoop, constantRate, countArrivals, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_LAG_US, type ArrivalSchedule, type ArrivalCursor, type OpenLoopOptions, type OpenLoopOutcome } from './load/open-loop.js';
export { parseRamp, rampSchedule, type RampStage } from './load/ramp.js';
export { parseSlo, evaluateSlo, evaluateSloOnOperations, DEFAULT_SLO, type Slo, type SloClause, type SloSubject, type SloVerdict } from './load/slo.js';
export { runStress, findKnee, nextRate, type StressOptions, type StressOutcome, type StressStepReport, type RateGrowth } from './load/stress.js';
export { HttpTarget, HttpStatusError, parseRequestSpec, parseTargetUrl, httpOperationName, checkLoopbackTarget, isLoopbackAddress, type HttpRequestSpec, type HttpTargetStats } from './targets/http/index.js';
export * from './core/result.js';
export * from './results/run-result.js';
export * from './monitor/sampler.js';
export * from './suites/types.js';
export * from './targets/ports.js';
export * from './targets/errors.js';
export * from './targets/backend.js';
export * from './targets/options.js';
export { compileGlob, GlobSyntaxError, type CompiledGlob } from './targets/glob.js';
export { runMcpBench, selectTools, type McpBenchOptions, type McpBenchOutcome, type McpLoadModel, type McpToolSelection } from './targets/mcp/bench.js';
export { parseHttpTarget, parseStdioTarget, type McpTargetSpec } from './targets/mcp/spec.js';
export { createContext, createSwarmperfServer, serveStdio } from './mcp/server.js';
export { startHttpServer, type HttpServerHandle } from './mcp/http.js';
export { findBottlenecks, filterFindings, FINDING_KINDS, type FindingKind } from './analysis/bottlenecks.js';
export { BOTTLENECK_THRESHOLDS } from './analysis/thresholds.js';
export { buildTrends, type ReportInput, type TrendSeries, type TrendPoint } from './report/model.js';
export { renderMarkdown, type MarkdownCharts, type MarkdownOutput } from './report/markdown.js';
export { renderHtml } from './report/html.js';
export { renderCsv } from './report/csv.js';
export { renderBmf, bmfReport, type Bmf } from './report/bmf.js';
export { renderGab, gabEntries, type GabEntry } from './report/gab.js';
export { renderProm } from './report/prom.js';
export { renderReport, parseFormat as parseReportFormat, registerReportFormat, listReportFormats, getReportFormat, REPORT_FORMATS, BUILTIN_REPORT_FORMATS, type ReportFormat, type ReportFormatDefinition, type RenderedReport, type RenderOptions } from './report/render.js';
export { ingestToolLogs, IngestFileError, type IngestOptions, type IngestSummary, type InvalidLine, type FileIngest } from './timings/ingest.js';
export { buildToolTimingReport, toolTimingReport, toolTimingReportFromArgs, type ToolTimingReport, type ToolTimingRow, type GroupBy as ToolTimingGroupBy, type ReportOptions as ToolTimingReportOptions } from './timings/report.js';
export { renderToolTimingReport, REPORT_FORMATS as TOOL_REPORT_FORMATS, type ReportFormat as ToolReportFormat } from './timings/render/index.js';
export { timed, recordToolTiming, toolTimingLog, ToolTimingLog, type ToolTimingInput, type TimedOptions } from './timings/api.js';
export { recordHookEvent, appendWithRotation, HookInputError, type RecordOptions as HookRecordOptions, type ToolTimingLine } from './timings/record.cjs';
export { parseFieldMap, type ToolCall, type FieldMap } from './timings/formats.js';
export * from './results/history/index.js';
export { extractMetrics, metricInfo, metricValue, metricMatcher, parseMetricName, formatMetricValue, declareSuiteMetric, OPERATION_STATS, RESOURCE_STATS, type MetricValue, type MetricInfo, type MetricUnit, type Direction } from './results/metrics.js';
export { compareRuns, type Comparison, type MetricComparison, type CompareOptions, type Verdict } from './results/compare.js';
export { detectChangePoints, CHANGEPOINT_DEFAULTS, type ChangePoint, type ChangePointOptions } from './results/changepoint.js';
export { computeTrends, analyzeSeries, theilSen, mannKendall, type MetricTrend, type TrendChangePoint, type LinearTrend, type TrendOptions } from './results/trends.js';
export { findAnomalies, seriesAnomalies, type Anomaly, type AnomalyOptions } from './results/anomalies.js';
export { parseAlertRule, addAlertRule, removeAlertRule, loadAlertRules, checkAlerts, alertsPath, AlertRuleError, AlertsFileError, type AlertRule, type AlertCheck } from './results/alerts.js';
export { memorySink, memorySummary, memoryKey, MEMORY_NAMESPACE, MEMORY_AGENT, MEMORY_SUMMARY_VERSION } from './results/memory-sink.js';
export * from './suites/invariants/index.js';
export { runAgents, type RunAgentsOptions, type RunAgentsResult } from './suites/agents/harness.js';
export { Scheduler, EventHeap, type SimEvent } from './sim/scheduler.js';
export { Network, type NetworkConfig, type NetworkStats } from './sim/network.js';
export { parseLatency, sampleLatency, type LatencySpec } from './sim/latency.js';
export { parseFaultSchedule, FaultInjector, FaultScheduleError, type FaultSchedule, type FaultEvent } from './sim/faults.js';
export { RaftNode, type RaftConfig, type PersistentState } from './consensus/raft/node.js';
export { RaftHost } from './consensus/raft/host.js';
export { KvStore, type KvOp, type KvCommand } from './consensus/raft/kv.js';
export { SimCluster, type SimClusterOptions } from './consensus/raft/sim-cluster.js';
export { SafetyChecker } from './consensus/checkers/safety.js';
export { checkLinearizability, type HistoryOp, type LinearizabilityResult } from './consensus/checkers/linearizability.js';
export { runElectionScenario } from './consensus/bench/election.js';
export { runWorkloadScenario } from './consensus/bench/workload.js';
export { runRealScenario } from './consensus/real/run-real.js';
