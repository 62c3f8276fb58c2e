/** Registers enrichers and sinks of the RunResult pipeline (findings, history, memory store). */
import { registerEnricher, registerSink } from '../results/pipeline.js';
import { bottleneckEnricher, fingerprintEnricher } from '../analysis/enrich.js';
import { historySink } from '../results/history/sink.js';
import { memorySink } from '../results/memory-sink.js';

export function registerPlugins(): void {
  // Each stage that keeps or enriches results registers itself here, one line each.
  registerEnricher('fingerprint', fingerprintEnricher);
  registerEnricher('bottlenecks', bottleneckEnricher);
  registerSink('history', historySink);
  registerSink('memory-store', memorySink);
}
