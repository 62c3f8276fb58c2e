/**
 * The dashboard's web server: a small read-only HTTP server on loopback that serves the single-page
 * app (assets/dashboard/), its JSON API over the data folder, live runs as Server-Sent Events, and
 * /metrics for Prometheus. Every response carries a strict Content-Security-Policy (no inline script,
 * nothing from another origin); requests whose Host or Origin is not this server are refused, so a web
 * page elsewhere cannot read the dashboard through DNS rebinding.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { DashboardData } from './data.js';
import { LiveHub } from './live-hub.js';
import { renderDashboardMetrics } from './metrics.js';
import { ToolsData } from './tools-data.js';
import { consensusRows } from './consensus-data.js';
import { runProfileView } from './profile-data.js';

export interface DashboardOptions {
  dataDir: string;
  historyPath: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Live-file poll period in ms. */
  pollMs?: number;
}

export interface Dashboard {
  url: string;
  port: number;
  server: Server;
  hub: LiveHub;
  close(): Promise<void>;
}

const ASSET_DIR = fileURLToPath(new URL('../../../assets/dashboard/', import.meta.url));
const require = createRequire(import.meta.url);

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  type: string;
  path: string;
}

const ASSETS: Record<string, Asset> = {
  '/': { type: 'text/html; charset=utf-8', path: `${ASSET_DIR}index.html` },
  '/assets/app.js': { type: 'text/javascript; charset=utf-8', path: `${ASSET_DIR}app.js` },
  '/assets/app.css': { type: 'text/css; charset=utf-8', path: `${ASSET_DIR}app.css` },
  '/assets/flame.js': { type: 'text/javascript; charset=utf-8', path: `${ASSET_DIR}flame.js` },
  '/assets/flame.css': { type: 'text/css; charset=utf-8', path: `${ASSET_DIR}flame.css` },
  '/assets/uPlot.iife.min.js': { type: 'text/javascript; charset=utf-8', path: require.resolve('uplot/dist/uPlot.iife.min.js') },
  '/assets/uPlot.min.css': { type: 'text/css; charset=utf-8', path: require.resolve('uplot/dist/uPlot.min.css') },
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function writeHeaders(res: ServerResponse, status: number, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
    ...extra,
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  writeHeaders(res, status, type, extra);
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** Host must name this server (by loopback address or localhost) and Origin, when sent, must be it too. */
export function checkOrigin(req: IncomingMessage, port: number, extraHosts: readonly string[] = []): void {
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, ...extraHosts.map((h) => `${h}:${port}`)]);
  const host = req.headers.host ?? '';
  if (!allowed.has(host.toLowerCase())) throw new HttpError(421, `Host "${host.slice(0, 100)}" is not this dashboard`);
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null' && !allowed.has(origin.replace(/^http:\/\//, '').toLowerCase())) throw new HttpError(403, `Origin "${origin.slice(0, 100)}" may not read this dashboard`);
}

function numberParam(params: URLSearchParams, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new HttpError(400, `${name}: expected a number, got "${raw.slice(0, 40)}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new HttpError(400, `${name}: expected ${min}…${max}, got ${raw.slice(0, 40)}`);
  return n;
}

function stringParam(params: URLSearchParams, name: string, max = 500): string | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (raw.length > max) throw new HttpError(400, `${name}: longer than ${max} characters`);
  return raw;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const history = new DashboardData(options.historyPath);
  const tools = new ToolsData(options.dataDir);
  const hub = new LiveHub(options.dataDir, options.pollMs);
  hub.start();
  const streams = new Set<ServerResponse>();
  let port = options.port;
  const api = apiRoutes(history, tools, hub, options.dataDir);

  const server = createServer((req, res) => {
    try {
      checkOrigin(req, port);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method ?? ''} is not served: the dashboard only reads`);
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      if (url.pathname === '/api/live/stream') return openStream(req, res, hub, streams);
      // Browsers ask for it unprompted; an empty answer keeps the console free of 404s.
      if (url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
      const asset = ASSETS[url.pathname];
      if (asset) return send(res, 200, asset.type, readFileSync(asset.path));
      const route = api[url.pathname];
      if (route) return route(url.searchParams, res);
      throw new HttpError(404, `no page ${url.pathname.slice(0, 100)}`);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }));
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    server,
    hub,
    async close() {
      hub.stop();
      for (const s of streams) s.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      history.close();
      tools.close();
    },
  };
}

type Route = (params: URLSearchParams, res: ServerResponse) => void;

function apiRoutes(history: DashboardData, tools: ToolsData, hub: LiveHub, dataDir: string): Record<string, Route> {
  return {
    '/api/overview': (_p, res) => sendJson(res, { rows: history.overview(), live: hub.snapshot().filter((r) => !r.finished && !r.stale).length }),
    '/api/runs': (p, res) => sendJson(res, history.runs(numberParam(p, 'limit', 1000, 1, 100_000))),
    '/api/run': (p, res) => {
      const id = stringParam(p, 'id', 200);
      if (!id) throw new HttpError(400, 'id: required');
      const run = history.run(id);
      if (!run) throw new HttpError(404, `no run ${id}`);
      sendJson(res, run);
    },
    // The flamegraph of a profiled run (flame.js); 404 with the reason when it has none.
    '/api/run/profile': (p, res) => {
      const id = stringParam(p, 'id', 200);
      const run = id ? history.run(id) : undefined;
      if (!run) throw new HttpError(id ? 404 : 400, id ? `no run ${id}` : 'id: required');
      let view;
      try {
        view = runProfileView(dataDir, run);
      } catch (err) {
        throw new HttpError(404, err instanceof Error ? err.message : String(err));
      }
      sendJson(res, view);
    },
    '/api/metric-names': (p, res) => sendJson(res, history.metricNames(stringParam(p, 'q', 200) ?? '', numberParam(p, 'limit', 200, 1, 5000))),
    '/api/series': (p, res) => {
      const metrics = p.getAll('metric');
      if (metrics.length === 0 || metrics.length > 12) throw new HttpError(400, 'metric: give 1 to 12 metric names');
      if (metrics.some((m) => m.length > 300)) throw new HttpError(400, 'metric: longer than 300 characters');
      const since = numberParam(p, 'since', undefined, 0, 8.64e15);
      const points = numberParam(p, 'points', 2000, 10, 20_000) as number;
      sendJson(res, metrics.flatMap((m) => history.series(m, since, points)));
    },
    '/api/tools': (p, res) => {
      const range = tools.range();
      if (!range) return sendJson(res, { range: null, totals: [], buckets: { bucketMs: 3_600_000, rows: [] }, slowest: [] });
      const to = numberParam(p, 'to', range.toMs, 0, 8.64e15) as number;
      const from = numberParam(p, 'from', Math.max(range.fromMs, to - 7 * 86_400_000), 0, 8.64e15) as number;
      if (from > to) throw new HttpError(400, 'from: later than to');
      sendJson(res, { range, from, to, totals: tools.totals(from, to), buckets: tools.buckets(from, to), slowest: tools.slowest(from, to) });
    },
    '/api/consensus': (_p, res) => sendJson(res, consensusRows(history)),
    '/api/live': (_p, res) => sendJson(res, hub.snapshot()),
    '/metrics': (_p, res) => {
      const latest = history.latestPerConfiguration();
      const range = tools.range();
      const body = renderDashboardMetrics({ latest, live: hub.snapshot(), tools: range ? tools.totals(range.fromMs, range.toMs) : [] });
      send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', body);
    },
  };
}

/** Server-Sent Events: the live runs so far, then every event as it is read from the live files. */
function openStream(req: IncomingMessage, res: ServerResponse, hub: LiveHub, streams: Set<ServerResponse>): void {
  writeHeaders(res, 200, 'text/event-stream; charset=utf-8', { Connection: 'keep-alive' });
  res.write(`event: snapshot\ndata: ${JSON.stringify(hub.snapshot())}\n\n`);
  const unsubscribe = hub.subscribe((event) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
  // A comment line every 15 s keeps proxies and the browser from closing an idle stream.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  keepAlive.unref();
  streams.add(res);
  req.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
    streams.delete(res);
  });
}
