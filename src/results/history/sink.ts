/**
 * The pipeline sink that records every measured run in the history (`--history FILE`,
 * `--no-history`). A history that cannot be opened (foreign, corrupt) is a warning, not a lost
 * run: the result was already printed and written where --json asked.
 */
import type { Sink } from '../pipeline.js';
import { historyPathFromOptions, openHistory } from './store.js';

export const historySink: Sink = (result, ctx) => {
  const path = historyPathFromOptions(ctx.options, ctx.dataDir);
  if (path === undefined) return;
  const h = openHistory(path);
  try {
    h.record(result);
  } finally {
    h.close();
  }
};
