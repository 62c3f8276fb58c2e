/** Every CLI command, registered on the program in the order `--help` lists them (one line each). */
import type { Command } from 'commander';
import { registerRunCommand } from './run.js';
import { registerReportCommand } from './report.js';
import { registerBottlenecksCommand } from './bottlenecks.js';
import { registerLoadCommand } from './load.js';
import { registerStressCommand } from './stress.js';
import { registerMcpBenchCommand } from './mcp-bench.js';
import { registerMcpCommand } from './mcp.js';
import { registerToolsCommand } from './tools.js';
import { registerBenchCommand } from './bench.js';
import { registerMemoryCommand } from './memory.js';
import { registerHistoryCommand } from './history.js';
import { registerCompareCommand } from './compare.js';
import { registerTrendsCommand } from './trends.js';
import { registerAnomaliesCommand } from './anomalies.js';
import { registerAlertsCommand } from './alerts.js';
import { registerDashboardCommand } from './dashboard.js';

export function registerCommands(program: Command): void {
  // Measure …
  registerRunCommand(program);
  registerLoadCommand(program);
  registerStressCommand(program);
  registerBenchCommand(program);
  registerMcpBenchCommand(program);
  registerToolsCommand(program);
  registerMemoryCommand(program);
  // … keep and compare over time …
  registerHistoryCommand(program);
  registerCompareCommand(program);
  registerTrendsCommand(program);
  registerAnomaliesCommand(program);
  registerAlertsCommand(program);
  // … explain and report.
  registerBottlenecksCommand(program);
  registerReportCommand(program);
  registerDashboardCommand(program);
  registerMcpCommand(program);
}
