/**
 * The history API: one SQLite file every command writes and every analysis reads.
 *
 *   const h = openHistory(defaultHistoryPath(dataDir));
 *   h.record(run);                       // one transaction; concurrent writers both land
 *   h.listRuns({ since, limit });        // RunSummary[], oldest first
 *   h.getRun('latest~1');                // whole RunResult; ids, unique prefixes, latest, latest~N
 *   h.series('tasks.claim.p99');         // [{ runId, at, value }], oldest first
 *   h.close();
 */
export {
  HistoryError,
  HistoryRefError,
  HistoryStore,
  defaultHistoryPath,
  envHash,
  historyPathFromOptions,
  openHistory,
  type ListOptions,
  type OpenOptions,
  type RecordOutcome,
  type RunSummary,
  type SeriesPoint,
} from './store.js';
export { APPLICATION_ID, SCHEMA_VERSION as HISTORY_SCHEMA_VERSION } from './migrations.js';
export { historySink } from './sink.js';
