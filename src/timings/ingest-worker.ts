/**
 * The ingest in a worker thread with a fixed young generation: what `swarmperf tools ingest` runs.
 *
 * Everything the ingest keeps is bounded (ingest.ts, dedupe.ts), but V8 grows a heap's young
 * generation with the bytes that ever survived a scavenge — with the length of the run, not with
 * what is live — up to 32 MB by default. In the CLI's main thread that made peak RSS grow with the
 * log (new space 17 → 34 MB from a 50 MB to a 200 MB log). A worker's young generation can be
 * capped (`resourceLimits`, which a running isolate cannot change); at 4 MB the ingest's CPU time
 * is unchanged (bench/tools.bench.ts) and the peak stays flat.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { IngestOptions } from './ingest.js';
import { IngestFileError, type IngestSummary } from './ingest-summary.js';

/** The young generation of the ingest's heap, MB (V8's default grows it up to 32). */
export const INGEST_YOUNG_GENERATION_MB = 4;

/** What the worker needs: the ingest options without functions (they cannot cross threads). */
export type WorkerIngestOptions = Omit<IngestOptions, 'nowUs'>;

interface Request {
  /** Marks this module's own workers (another worker importing it must not start an ingest). */
  kind: typeof KIND;
  paths: readonly string[];
  opts: WorkerIngestOptions;
}

const KIND = 'swarmperf-tool-ingest';

type Reply = { summary: IngestSummary } | { error: { message: string; file?: string; stack?: string } };

/** ingestToolLogs in a worker thread with a capped young generation; errors arrive as thrown in it. */
export function ingestToolLogsInWorker(paths: readonly string[], opts: WorkerIngestOptions): Promise<IngestSummary> {
  // Run from the TypeScript sources (the tests), a worker thread could not load this module: the
  // ingest runs in the calling thread there. The built CLI (dist/) always uses the worker.
  if (import.meta.url.endsWith('.ts')) return import('./ingest.js').then(({ ingestToolLogs }) => ingestToolLogs(paths, opts));
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { kind: KIND, paths, opts } satisfies Request,
      resourceLimits: { maxYoungGenerationSizeMb: INGEST_YOUNG_GENERATION_MB },
    });
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      if ('summary' in reply) resolve(reply.summary);
      else if (reply.error.file !== undefined) reject(new IngestFileError(reply.error.file, reply.error.message));
      else reject(Object.assign(new Error(reply.error.message), { stack: reply.error.stack }));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`tool-log ingest worker exited with code ${code} before it answered`));
    });
  });
}

async function serveIngest(port: NonNullable<typeof parentPort>, req: Request): Promise<void> {
  let reply: Reply;
  try {
    // Imported here: the thread that only starts the worker never loads the ingest (store, SQLite, histograms).
    const { ingestToolLogs } = await import('./ingest.js');
    reply = { summary: ingestToolLogs(req.paths, req.opts) };
  } catch (err) {
    const e = err as Error;
    // An IngestFileError's message already starts with its file: send the rest.
    reply = err instanceof IngestFileError ? { error: { message: e.message.slice(err.file.length + 2), file: err.file } } : { error: { message: e.message, ...(e.stack ? { stack: e.stack } : {}) } };
  }
  port.postMessage(reply);
}

if (!isMainThread && parentPort && (workerData as Partial<Request> | null)?.kind === KIND) void serveIngest(parentPort, workerData as Request);
