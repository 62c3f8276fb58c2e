/** Registers enrichers and sinks of the RunResult pipeline (findings, history, memory store). */

export function registerPlugins(): void {
  // Each stage that keeps or enriches results registers itself here, one line each.
}
