/**
 * Follows the data folder's live files (results/live.ts) and fans their events out to the
 * dashboard's Server-Sent-Event clients. Polling, not fs.watch: watch events are coalesced or lost on
 * some file systems, and a 250 ms poll of a handful of small files costs nothing measurable.
 */
import { basename } from 'node:path';
import { listLiveFiles, readLiveEvents, type LiveCursor, type LiveEvent } from '../../results/live.js';
import type { RunStartEvent, RunWindowEvent } from '../../core/events.js';
import { AlertRulesFile, evaluateWindow, type WindowAlert } from './live-alerts.js';

/** A window as the dashboard streams it: with the alert rules judged on it. */
export type LiveWindow = RunWindowEvent & { alerts: WindowAlert[] };

/** What the hub sends its listeners: a live file's event, windows with their alerts. */
export type LiveHubEvent = Exclude<LiveEvent, { type: 'window' }> | ({ type: 'window' } & LiveWindow);

export interface LiveRun {
  runId: string;
  start?: RunStartEvent;
  windows: LiveWindow[];
  finished?: { finishedAt: string; partial: boolean; passed: boolean };
  stale: boolean;
}

/** Windows kept per live run: enough for a long run's chart; older ones are dropped from memory, not from the file. */
const MAX_WINDOWS = 2_000;
/** Runs remembered: the newest ones. */
const MAX_RUNS = 50;

export type LiveListener = (event: LiveHubEvent) => void;

export class LiveHub {
  private readonly cursors = new Map<string, LiveCursor>();
  private readonly runs = new Map<string, LiveRun>();
  private readonly listeners = new Set<LiveListener>();
  private timer: NodeJS.Timeout | undefined;
  skippedLines = 0;
  /** The data folder's alert rules: judged on every window, and shown on the overview. */
  readonly alertRules: AlertRulesFile;

  constructor(
    private readonly dataDir: string,
    private readonly pollMs = 250,
  ) {
    this.alertRules = new AlertRulesFile(dataDir);
  }

  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Live and recently finished runs, newest first. */
  snapshot(): LiveRun[] {
    return [...this.runs.values()].sort((a, b) => (b.start?.startedAt ?? '').localeCompare(a.start?.startedAt ?? ''));
  }

  /** Reads whatever the live files gained since the last poll; exported for tests that step it. */
  poll(): void {
    const files = listLiveFiles(this.dataDir).slice(0, MAX_RUNS);
    if (files.length > 0) this.alertRules.refresh();
    for (const { file, stale } of files) {
      let cursor = this.cursors.get(file);
      if (!cursor) {
        cursor = { file, offset: 0, pending: '' };
        this.cursors.set(file, cursor);
      }
      const { events, skipped } = readLiveEvents(cursor);
      this.skippedLines += skipped;
      for (const event of events) this.apply(event);
      const id = basename(file, '.jsonl');
      const run = [...this.runs.values()].find((r) => r.runId === id || this.fileOf(r) === file);
      if (run) run.stale = stale && !run.finished;
    }
    this.trim();
  }

  private fileOf(run: LiveRun): string | undefined {
    for (const [file] of this.cursors) if (basename(file, '.jsonl') === run.runId) return file;
    return undefined;
  }

  private apply(event: LiveEvent): void {
    let run = this.runs.get(event.runId);
    if (!run) {
      run = { runId: event.runId, windows: [], stale: false };
      this.runs.set(event.runId, run);
    }
    if (event.type === 'start') {
      const { type: _type, ...start } = event;
      run.start = start;
    } else if (event.type === 'window') {
      const { type: _type, ...window } = event;
      const judged: LiveWindow = { ...window, alerts: evaluateWindow(this.alertRules.rules, window) };
      run.windows.push(judged);
      if (run.windows.length > MAX_WINDOWS) run.windows.splice(0, run.windows.length - MAX_WINDOWS);
      for (const listener of this.listeners) listener({ type: 'window', ...judged });
      return;
    } else {
      run.finished = { finishedAt: event.finishedAt, partial: event.partial, passed: event.passed };
    }
    for (const listener of this.listeners) listener(event);
  }

  private trim(): void {
    if (this.runs.size <= MAX_RUNS) return;
    for (const run of this.snapshot().slice(MAX_RUNS)) this.runs.delete(run.runId);
  }
}
