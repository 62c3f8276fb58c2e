/** Registers enrichers and sinks of the RunResult pipeline (findings, history, memory store). */
import { registerEnricher, registerOutput, registerSink } from '../results/pipeline.js';
import { liveOutput } from '../results/live.js';
import { bottleneckEnricher } from '../analysis/enrich.js';
import { historySink } from '../results/history/sink.js';
import { memorySink } from '../results/memory-sink.js';

export function registerPlugins(): void {
  // Each stage that keeps or enriches results registers itself here, one line each.
  registerEnricher('bottlenecks', bottleneckEnricher);
  registerSink('history', historySink);
  registerSink('memory-store', memorySink);
  // The live file a dashboard follows while the run goes; best effort (nobody asked for it by name).
  registerOutput('live', (ctx) => ({ ...liveOutput(ctx.dataDir), bestEffort: true }));
}
