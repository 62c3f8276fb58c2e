/*
 * swarmperf dashboard: a single page over the JSON API of `swarmperf dashboard`. Every name that comes
 * from data (suites, tags, tool names, memory keys, findings) is put into the page as text nodes,
 * never as HTML, so a hostile name shows as itself. Charts are uPlot, served by the same server.
 */
'use strict';
(function () {
  const root = document.getElementById('page');
  // Each route renders into its own container, swapped in when it is complete: a slow page that is
  // left before it finishes can never write into the page that replaced it.
  let page = document.createElement('div');
  let generation = 0;
  const charts = [];
  let liveSource = null;

  // ---------- DOM and formatting helpers ----------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = String(v);
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, String(v));
    }
    for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function trim(v) { const a = Math.abs(v); return String(Number(v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : 2))); }
  function fmtUs(us) {
    if (us === null || us === undefined || !Number.isFinite(us)) return '—';
    const a = Math.abs(us);
    if (a < 1000) return trim(us) + ' µs';
    if (a < 1e6) return trim(us / 1000) + ' ms';
    if (a < 6e7) return trim(us / 1e6) + ' s';
    return trim(us / 6e7) + ' min';
  }
  function fmtRate(r) {
    if (!Number.isFinite(r)) return '—';
    if (r >= 1e6) return trim(r / 1e6) + ' M/s';
    if (r >= 1e4) return trim(r / 1e3) + ' k/s';
    return trim(r) + '/s';
  }
  function fmtBytes(b) {
    const units = ['B', 'KB', 'MB', 'GB', 'TB']; let v = b; let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return trim(v) + ' ' + units[i];
  }
  function fmtUnit(v, unit) {
    if (unit === 'us') return fmtUs(v);
    if (unit === 'ops/s') return fmtRate(v);
    if (unit === 'bytes') return fmtBytes(v);
    if (unit === 'bytes/s') return fmtBytes(v) + '/s';
    if (unit === 'pct') return trim(v) + ' %';
    if (unit === 'ratio') return trim(v * 100) + ' %';
    return Number.isFinite(v) ? trim(v) : '—';
  }
  function fmtDate(iso) { const d = new Date(iso); return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace('T', ' ').slice(0, 19) + 'Z'; }
  function pct(x) { return (x >= 0 ? '+' : '') + trim(x * 100) + ' %'; }
  function runLink(id, label) { return el('a', { href: '#/run/' + encodeURIComponent(id), text: label || id }); }
  function checkState(c) {
    if (c.status === 'not-checked' || c.status === 'not checked') return el('span', { class: 'unchecked', text: '– not checked' });
    return c.passed ? el('span', { class: 'pass', text: '✓ passed' }) : el('span', { class: 'fail', text: '✗ failed' });
  }
  async function api(path) {
    const res = await fetch(path, { headers: { Accept: 'application/json' } });
    const body = await res.json();
    if (!res.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + res.status);
    return body;
  }
  function destroyCharts() { while (charts.length) charts.pop().destroy(); }

  // ---------- charts ----------
  const PALETTE = ['#2456c7', '#c2410c', '#15803d', '#7c3aed', '#be185d', '#0e7490', '#a16207', '#4b5563', '#dc2626', '#0891b2', '#65a30d', '#9333ea'];

  /** A chart of series over time (x in ms since the epoch). Series: {label, points: [{t, value, runId}]}. */
  function timeChart(container, opts) {
    const xs = [...new Set(opts.series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const runAt = opts.series.map(() => new Array(xs.length).fill(null));
    const isTime = opts.time !== false;
    // uPlot's time scale counts seconds; other x scales are plotted as given.
    const data = [xs.map((x) => (isTime ? x / 1000 : x))];
    opts.series.forEach((s, si) => {
      const ys = new Array(xs.length).fill(null);
      for (const p of s.points) { const i = index.get(p.t); ys[i] = p.value; runAt[si][i] = p.runId || null; }
      data.push(ys);
    });
    const markers = opts.markers || [];
    const width = Math.max(320, (container.clientWidth || 900) - 24);
    const chart = new uPlot({
      width, height: opts.height || 280, title: opts.title,
      scales: { x: { time: opts.time !== false } },
      axes: [{}, { values: (u, vals) => vals.map((v) => fmtUnit(v, opts.unit)), size: 70 }],
      series: [{ label: opts.time === false ? opts.xLabel || 'x' : 'time' }, ...opts.series.map((s, i) => ({
        label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true,
        points: { show: true, size: 5 }, value: (u, v) => (v === null ? '—' : fmtUnit(v, opts.unit)),
      }))],
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          for (const m of markers) {
            const x = u.valToPos(isTime ? m.t / 1000 : m.t, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.save();
            ctx.strokeStyle = m.kind === 'regression' ? '#b3261e' : m.kind === 'drift' ? '#8a5a00' : '#1b6e3a';
            ctx.setLineDash([5, 4]);
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
            ctx.restore();
          }
        }],
      },
    }, data, container);
    chart.root.dataset.points = String(opts.series.reduce((n, s) => n + s.points.length, 0));
    chart.root.dataset.markers = String(markers.length);
    if (opts.time !== false && xs.length) {
      // The axis is drawn on a canvas: its date range is also put where a test (or a screen reader) can read it.
      chart.root.dataset.timeAxis = 'true';
      chart.root.dataset.xFrom = new Date(xs[0]).toISOString();
      chart.root.dataset.xTo = new Date(xs[xs.length - 1]).toISOString();
    }
    chart.root.classList.add('chart');
    if (opts.onRun) {
      chart.over.addEventListener('click', () => {
        const i = chart.cursor.idx;
        if (i === null || i === undefined) return;
        for (let si = 0; si < runAt.length; si++) if (runAt[si][i]) { opts.onRun(runAt[si][i]); return; }
      });
    }
    charts.push(chart);
    return chart;
  }

  function sparkline(points) {
    const holder = el('span', { class: 'spark' });
    if (!points || points.length < 2) return holder;
    const chart = new uPlot({
      width: 120, height: 28, legend: { show: false }, cursor: { show: false },
      axes: [{ show: false }, { show: false }], scales: { x: { time: false } },
      series: [{}, { stroke: '#2456c7', width: 1.2, points: { show: false } }],
    }, [points.map((_, i) => i), points.map((p) => p.value)], holder);
    charts.push(chart);
    return holder;
  }

  // ---------- pages ----------
  async function overview() {
    const data = await api('/api/overview');
    const rows = data.rows;
    page.append(el('h1', { text: 'Overview' }));
    if (data.live > 0) page.append(el('p', {}, el('a', { href: '#/live', text: data.live + ' run(s) measuring now →' })));
    if (rows.length === 0) { page.append(el('p', { class: 'muted', text: 'No runs in this history yet: run `swarmperf run --quick` and they appear here.' })); return; }
    const table = el('table', { id: 'overview-table' },
      el('tr', {}, ['configuration', 'runs', 'latest run', 'checks', 'throughput', '', 'p99 (worst op)', '', 'last change', 'top findings'].map((h) => el('th', { text: h }))));
    for (const r of rows) {
      const last = (s) => (s && s.points.length ? s.points[s.points.length - 1].value : null);
      const v = r.verdict;
      const verdict = v.kind === 'regression' || v.kind === 'improvement'
        ? el('span', { class: v.kind === 'regression' ? 'fail' : 'pass', text: v.kind + ' ' + pct(v.change) + ' (' + v.metric + ')' })
        : el('span', { class: 'muted', text: v.kind });
      table.append(el('tr', { 'data-configuration': r.configuration },
        el('td', { text: r.configuration }),
        el('td', { class: 'num', text: r.runs }),
        el('td', {}, runLink(r.latest.id, fmtDate(r.latest.startedAt)), r.latest.partial ? el('span', { class: 'muted', text: ' (partial)' }) : null),
        el('td', {}, r.latest.passed === null ? el('span', { class: 'muted', text: '—' }) : r.latest.passed ? el('span', { class: 'pass', text: '✓' }) : el('span', { class: 'fail', text: '✗' })),
        el('td', { class: 'num', text: fmtRate(last(r.throughput)) }),
        el('td', {}, sparkline(r.throughput && r.throughput.points)),
        el('td', { class: 'num', text: fmtUs(last(r.p99)) }),
        el('td', {}, sparkline(r.p99 && r.p99.points)),
        el('td', {}, verdict),
        el('td', {}, r.findings.map((f) => el('div', { class: 'sev-' + f.severity, text: f.severity + ' · ' + f.kind + (f.component ? ' · ' + f.component : '') }))),
      ));
    }
    page.append(table);
  }

  async function trends(params) {
    const selected = (params.get('metric') || '').split('|').filter(Boolean);
    const since = params.get('since') || '';
    page.append(el('h1', { text: 'Trends' }));
    const input = el('input', { id: 'metric-search', list: 'metric-list', placeholder: 'metric, e.g. tasks.claim.p99', size: 40 });
    const list = el('datalist', { id: 'metric-list' });
    const go = (metrics, sinceValue) => { location.hash = '#/trends?metric=' + encodeURIComponent(metrics.join('|')) + (sinceValue ? '&since=' + sinceValue : ''); };
    input.addEventListener('input', async () => {
      const names = await api('/api/metric-names?q=' + encodeURIComponent(input.value));
      clear(list); for (const n of names) list.append(el('option', { value: n }));
    });
    input.addEventListener('change', () => { if (input.value && !selected.includes(input.value)) go([...selected, input.value], since); });
    const range = el('select', { id: 'range', onchange: () => go(selected, range.value) },
      [['', 'all time'], ['1', 'last day'], ['7', 'last 7 days'], ['30', 'last 30 days'], ['365', 'last year']].map(([v, t]) => el('option', { value: v, text: t, selected: v === since })));
    page.append(el('div', { class: 'controls' }, input, list, range,
      selected.map((m) => el('span', { class: 'chip' }, m, el('button', { title: 'remove', text: '×', onclick: () => go(selected.filter((x) => x !== m), since) })))));
    if (selected.length === 0) {
      const names = await api('/api/metric-names?limit=60');
      page.append(el('p', { class: 'muted', text: 'Pick one or more metrics (suite.operation.stat). Some of this history:' }),
        el('ul', {}, names.map((n) => el('li', {}, el('a', { href: '#/trends?metric=' + encodeURIComponent(n), text: n })))));
      return;
    }
    const sinceMs = since ? Date.now() - Number(since) * 86400000 : undefined;
    const series = await api('/api/series?' + selected.map((m) => 'metric=' + encodeURIComponent(m)).join('&') + (sinceMs ? '&since=' + sinceMs : ''));
    const byUnit = new Map();
    for (const s of series) { const list2 = byUnit.get(s.unit) || []; list2.push(s); byUnit.set(s.unit, list2); }
    if (series.length === 0) page.append(el('p', { class: 'muted', text: 'No values of these metrics in the chosen range.' }));
    for (const [unit, list3] of byUnit) {
      const card = el('div', { class: 'card trend-card' });
      page.append(card);
      const markers = list3.flatMap((s) => s.changePoints.map((c) => ({ t: s.points[c.index].t, kind: c.kind })));
      timeChart(card, {
        title: list3.map((s) => s.metric).filter((v, i, a) => a.indexOf(v) === i).join(', '), unit, markers,
        series: list3.map((s) => ({ label: s.metric + ' — ' + s.configuration, points: s.points })),
        onRun: (id) => { location.hash = '#/run/' + encodeURIComponent(id); },
      });
      const notes = el('ul', { class: 'changes' });
      for (const s of list3) for (const c of s.changePoints) notes.append(el('li', { class: c.kind === 'regression' ? 'fail' : 'pass' }, c.kind + ' ' + pct(c.change) + ' in ' + s.metric + ' (' + s.configuration + ') at ', runLink(c.runId)));
      card.append(el('div', { class: 'muted', text: 'Drag across the chart to zoom, double-click to reset, click a point to open its run. Dashed lines: change points.' }), notes);
    }
  }

  async function runsPage() {
    const runs = await api('/api/runs?limit=500');
    page.append(el('h1', { text: 'Runs' }));
    const table = el('table', {}, el('tr', {}, ['started', 'run', 'command', 'suites', 'configuration', 'tags'].map((h) => el('th', { text: h }))));
    for (const r of runs.reverse()) {
      table.append(el('tr', {}, el('td', { text: fmtDate(r.startedAt) }), el('td', {}, runLink(r.id)), el('td', { text: r.command }), el('td', { text: r.suites.join(', ') }),
        el('td', { text: Object.values(r.configurations).join('; ') }), el('td', { text: Object.entries(r.tags).map(([k, v]) => k + '=' + v).join(', ') })));
    }
    page.append(table);
  }

  function operationsTable(suite, other) {
    const otherOps = new Map(((other && other.operations) || []).map((o) => [o.name, o]));
    const head = ['operation', 'count', 'errors', 'throughput', 'p50', 'p90', 'p99', 'p99.9', 'max'];
    if (other) head.push('throughput vs other', 'p99 vs other');
    const table = el('table', { class: 'ops' }, el('tr', {}, head.map((h, i) => el('th', { class: i > 0 ? 'num' : undefined, text: h }))));
    for (const o of suite.operations) {
      const l = o.latencyUs;
      const row = el('tr', {}, el('td', { text: o.name }), el('td', { class: 'num', text: o.count.toLocaleString('en-US') }), el('td', { class: 'num', text: o.errors }),
        el('td', { class: 'num', text: fmtRate(o.throughput) }), el('td', { class: 'num', text: fmtUs(l.p50) }), el('td', { class: 'num', text: fmtUs(l.p90) }),
        el('td', { class: 'num', text: fmtUs(l.p99) }), el('td', { class: 'num', text: fmtUs(l.p999) }), el('td', { class: 'num', text: fmtUs(l.max) }));
      if (other) {
        const b = otherOps.get(o.name);
        row.append(el('td', { class: 'num', text: b && b.throughput > 0 ? '×' + trim(o.throughput / b.throughput) : '—' }),
          el('td', { class: 'num', text: b && b.latencyUs.p99 > 0 ? '×' + trim(l.p99 / b.latencyUs.p99) : '—' }));
      }
      table.append(row);
    }
    return table;
  }

  function windowCharts(container, suite) {
    if (!suite.intervals || suite.intervals.length === 0) return;
    const byOp = new Map();
    for (const w of suite.intervals) { const l = byOp.get(w.operation) || []; l.push(w); byOp.set(w.operation, l); }
    const grid = el('div', { class: 'grid2' });
    container.append(grid);
    const thr = el('div', { class: 'card' }); const lat = el('div', { class: 'card' });
    grid.append(thr, lat);
    const ops = [...byOp];
    const xs = (w) => w.startUs / 1e6;
    timeChart(thr, { title: 'throughput per window', unit: 'ops/s', time: false, xLabel: 's into the run', series: ops.map(([name, ws]) => ({ label: name, points: ws.map((w) => ({ t: xs(w), value: w.throughput })) })) });
    timeChart(lat, { title: 'p99 per window', unit: 'us', time: false, xLabel: 's into the run', series: ops.map(([name, ws]) => ({ label: name, points: ws.map((w) => ({ t: xs(w), value: w.p99Us })) })) });
  }

  function resourceCharts(container, suite) {
    const samples = (suite.resources && suite.resources.samples) || [];
    if (samples.length === 0) return;
    const byLabel = new Map();
    for (const s of samples) { const l = byLabel.get(s.label) || []; l.push(s); byLabel.set(s.label, l); }
    const grid = el('div', { class: 'grid2' });
    container.append(grid);
    const cpu = el('div', { class: 'card' }); const rss = el('div', { class: 'card' });
    grid.append(cpu, rss);
    const labels = [...byLabel].slice(0, 12);
    timeChart(cpu, { title: 'CPU per process (% of one core)', unit: 'pct', time: false, xLabel: 's into the run', series: labels.map(([label, ss]) => ({ label, points: ss.map((s) => ({ t: s.t / 1000, value: s.cpuUserPct + s.cpuSystemPct })) })) });
    timeChart(rss, { title: 'resident memory per process', unit: 'bytes', time: false, xLabel: 's into the run', series: labels.map(([label, ss]) => ({ label, points: ss.map((s) => ({ t: s.t / 1000, value: s.rssBytes })) })) });
  }

  function findingsList(findings) {
    const rank = { critical: 0, warning: 1, info: 2 };
    const sorted = [...findings].sort((a, b) => (b.impact || 0) - (a.impact || 0) || rank[a.severity] - rank[b.severity]);
    const table = el('table', { class: 'findings' }, el('tr', {}, ['severity', 'kind', 'where', 'evidence', 'recommendation'].map((h) => el('th', { text: h }))));
    for (const f of sorted) table.append(el('tr', {}, el('td', { class: 'sev-' + f.severity, text: f.severity }), el('td', { text: f.kind }), el('td', { text: f.component || '' }), el('td', { text: f.evidence }), el('td', { text: f.recommendation })));
    return table;
  }

  async function runPage(id, params) {
    const run = await api('/api/run?id=' + encodeURIComponent(id));
    const against = params.get('vs');
    let other = null;
    const all = await api('/api/runs?limit=2000');
    const me = all.find((r) => r.id === run.id);
    const comparable = all.filter((r) => r.id !== run.id && me && r.suites.some((s) => r.configurations[s] === me.configurations[s]));
    const before = comparable.filter((r) => r.startedAt < run.startedAt);
    const otherId = against || (before.length ? before[before.length - 1].id : null);
    if (otherId) { try { other = await api('/api/run?id=' + encodeURIComponent(otherId)); } catch { other = null; } }
    page.append(el('h1', {}, 'Run ', el('span', { id: 'run-id', text: run.id })));
    page.append(el('p', { class: 'muted', text: fmtDate(run.startedAt) + ' → ' + fmtDate(run.finishedAt) + (run.partial ? ' · partial' : '') + ' · ' + (run.config.command || '') + ' · node ' + run.env.node + ' · ' + run.env.cpuModel + ' ×' + run.env.cores }));
    const tags = Object.entries(run.tags || {});
    if (tags.length) page.append(el('p', {}, 'tags: ', tags.map(([k, v]) => el('span', { class: 'chip', text: k + '=' + v }))));
    const select = el('select', { id: 'compare-with', onchange: () => { location.hash = '#/run/' + encodeURIComponent(run.id) + (select.value ? '?vs=' + encodeURIComponent(select.value) : ''); } },
      el('option', { value: '', text: 'compare with: previous comparable run' }),
      all.filter((r) => r.id !== run.id).reverse().slice(0, 300).map((r) => el('option', { value: r.id, selected: r.id === otherId && !!against, text: fmtDate(r.startedAt) + ' · ' + r.id + ' · ' + r.suites.join(',') })));
    page.append(el('div', { class: 'controls' }, select, other ? el('span', { class: 'muted' }, 'comparing with ', runLink(other.id)) : el('span', { class: 'muted', text: 'no comparable earlier run' })));
    if (run.findings && run.findings.length) { page.append(el('h2', { text: 'Findings, by impact' })); page.append(findingsList(run.findings)); }
    if (run.profiles && window.swarmperfFlame) page.append(await window.swarmperfFlame.section(run.id, api, { el, fmtUs }));
    for (const suite of run.suites) {
      const section = el('section', { class: 'suite' });
      page.append(section);
      section.append(el('h2', { text: suite.name + ' · ' + suite.backend }));
      section.append(el('table', { class: 'checks' }, suite.checks.map((c) => el('tr', {}, el('td', {}, checkState(c)), el('td', { text: c.name }), el('td', { class: 'muted', text: c.detail })))));
      const otherSuite = other ? other.suites.find((s) => s.name === suite.name) : null;
      section.append(operationsTable(suite, otherSuite));
      if (suite.operations.some((o) => o.breakdown)) {
        section.append(el('h2', { text: 'where the time goes' }));
        section.append(el('table', {}, suite.operations.filter((o) => o.breakdown).map((o) => el('tr', {}, el('td', { text: o.name }), el('td', { text: Object.entries(o.breakdown).map(([k, v]) => k + ' ' + (typeof v === 'number' ? fmtUs(v) : JSON.stringify(v))).join(' · ') })))));
      }
      if (suite.metrics && Object.keys(suite.metrics).length) section.append(el('p', { class: 'muted', text: Object.entries(suite.metrics).map(([k, v]) => k + ' ' + trim(v)).join(' · ') }));
      windowCharts(section, suite);
      resourceCharts(section, suite);
    }
  }

  async function toolsPage(params) {
    const q = new URLSearchParams();
    if (params.get('from')) q.set('from', params.get('from'));
    if (params.get('to')) q.set('to', params.get('to'));
    const data = await api('/api/tools?' + q.toString());
    page.append(el('h1', { text: 'Tool calls' }));
    if (!data.range) { page.append(el('p', { class: 'muted', text: 'No tool timings stored: `swarmperf tools ingest <log>` fills this page.' })); return; }
    const day = 86400000;
    const pick = (days) => { location.hash = '#/tools?from=' + Math.round(data.range.toMs - days * day) + '&to=' + Math.round(data.range.toMs); };
    page.append(el('div', { class: 'controls' },
      el('span', { class: 'muted', text: data.range.calls.toLocaleString('en-US') + ' calls stored, ' + fmtDate(new Date(data.range.fromMs).toISOString()) + ' → ' + fmtDate(new Date(data.range.toMs).toISOString()) + '. Window: ' }),
      [1, 7, 30, 365].map((d) => el('button', { text: d === 1 ? 'last day' : 'last ' + d + ' days', onclick: () => pick(d) })),
      el('button', { text: 'all', onclick: () => pick((data.range.toMs - data.range.fromMs) / day) })));
    const top = data.totals.slice(0, 8).map((t) => t.tool);
    const card = el('div', { class: 'card' });
    page.append(card);
    timeChart(card, { title: 'time in each tool per ' + (data.buckets.bucketMs > 3600000 ? 'day' : 'hour') + ' (top 8 tools)', unit: 'us',
      series: top.map((tool) => ({ label: tool, points: data.buckets.rows.filter((r) => r.tool === tool).map((r) => ({ t: r.t, value: r.totalUs })) })) });
    page.append(el('h2', { text: 'per tool' }));
    page.append(el('table', { id: 'tools-table' }, el('tr', {}, ['tool', 'category', 'calls', 'errors', 'total', 'mean', 'max'].map((h, i) => el('th', { class: i > 1 ? 'num' : undefined, text: h }))),
      data.totals.map((t) => el('tr', {}, el('td', { text: t.tool }), el('td', { text: t.category }), el('td', { class: 'num', text: t.count }), el('td', { class: 'num', text: t.errors }),
        el('td', { class: 'num', text: fmtUs(t.totalUs) }), el('td', { class: 'num', text: fmtUs(t.count ? t.totalUs / t.count : NaN) }), el('td', { class: 'num', text: fmtUs(t.maxUs) })))));
    page.append(el('h2', { text: 'slowest calls' }));
    page.append(el('table', {}, el('tr', {}, ['ended', 'tool', 'session', 'call', 'duration', 'ok'].map((h) => el('th', { text: h }))),
      data.slowest.map((s) => el('tr', {}, el('td', { text: fmtDate(new Date(s.endMs).toISOString()) }), el('td', { text: s.tool }), el('td', { text: s.session }), el('td', { text: s.callId || '' }), el('td', { class: 'num', text: fmtUs(s.durationUs) }), el('td', { text: s.success ? '✓' : '✗' })))));
  }

  async function consensusPage() {
    const rows = await api('/api/consensus');
    page.append(el('h1', { text: 'Consensus' }));
    if (rows.length === 0) { page.append(el('p', { class: 'muted', text: 'No protocol runs yet: `swarmperf bench --protocol raft --scenario throughput --nodes 3,5,7` fills this page.' })); return; }
    const protocols = [...new Set(rows.map((r) => r.protocol + (r.scenario ? ' · ' + r.scenario : '')))];
    const grid = el('div', { class: 'grid2' });
    page.append(grid);
    const perNodes = (metric) => protocols.map((p) => ({ label: p, points: rows.filter((r) => r.protocol + (r.scenario ? ' · ' + r.scenario : '') === p && r.nodes !== null).map((r) => ({ t: r.nodes, value: metric(r), runId: r.runId })).filter((pt) => Number.isFinite(pt.value)).sort((a, b) => a.t - b.t) }));
    const first = (r) => r.operations[0] || { throughput: NaN, p99: NaN };
    for (const [title, unit, metric] of [['throughput against cluster size', 'ops/s', (r) => first(r).throughput], ['p99 against cluster size', 'us', (r) => first(r).p99], ['messages per operation', 'none', (r) => (r.metrics.messagesPerOp === undefined ? NaN : r.metrics.messagesPerOp)]]) {
      const card = el('div', { class: 'card' }); grid.append(card);
      timeChart(card, { title, unit, time: false, xLabel: 'nodes', series: perNodes(metric), onRun: (id) => { location.hash = '#/run/' + encodeURIComponent(id); } });
    }
    page.append(el('table', {}, el('tr', {}, ['started', 'suite', 'scenario', 'mode', 'nodes', 'operation', 'throughput', 'p50', 'p99', 'metrics'].map((h) => el('th', { text: h }))),
      rows.slice(-200).reverse().map((r) => el('tr', {}, el('td', {}, runLink(r.runId, fmtDate(r.startedAt))), el('td', { text: r.suite }), el('td', { text: r.scenario }), el('td', { text: r.mode }), el('td', { class: 'num', text: r.nodes === null ? '' : r.nodes }),
        el('td', { text: first(r).name || '' }), el('td', { class: 'num', text: fmtRate(first(r).throughput) }), el('td', { class: 'num', text: fmtUs(first(r).p50) }), el('td', { class: 'num', text: fmtUs(first(r).p99) }),
        el('td', { class: 'muted', text: Object.entries(r.metrics).slice(0, 6).map(([k, v]) => k + ' ' + trim(v)).join(' · ') })))));
  }

  function livePage() {
    page.append(el('h1', { text: 'Live' }));
    page.append(el('p', { class: 'muted', text: 'Runs started with this data folder (swarmperf run, load, bench, mcp-bench, MCP benchmark_run) appear here while they measure; each closed interval window streams in.' }));
    const holder = el('div', { id: 'live-runs' });
    page.append(holder);
    const views = new Map();
    const view = (runId) => {
      let v = views.get(runId);
      if (v) return v;
      const card = el('div', { class: 'card live-run', 'data-run': runId, 'data-windows': '0' });
      const status = el('span', { class: 'status muted', text: 'measuring' });
      const figures = el('div', { class: 'figures' });
      const chartBox = el('div', {});
      card.append(el('div', { class: 'chart-title' }, runId, ' · ', status), figures, chartBox);
      holder.prepend(card);
      v = { card, status, figures, chartBox, windows: [], chart: null };
      views.set(runId, v);
      return v;
    };
    const draw = (v) => {
      v.card.dataset.windows = String(v.windows.length);
      const totals = new Map();
      for (const w of v.windows) for (const o of w.operations) totals.set(o.name, (totals.get(o.name) || 0) + o.count);
      const last = v.windows[v.windows.length - 1];
      clear(v.figures);
      if (last) v.figures.append(el('table', {}, el('tr', {}, ['operation', 'done', 'throughput (last window)', 'p50', 'p99', 'errors'].map((h) => el('th', { text: h }))),
        last.operations.map((o) => el('tr', {}, el('td', { text: o.name }), el('td', { class: 'num', text: (totals.get(o.name) || 0).toLocaleString('en-US') }), el('td', { class: 'num', text: fmtRate(o.throughput) }), el('td', { class: 'num', text: fmtUs(o.p50) }), el('td', { class: 'num', text: fmtUs(o.p99) }), el('td', { class: 'num', text: o.errors })))));
      if (v.chart) { const i = charts.indexOf(v.chart); if (i >= 0) charts.splice(i, 1); v.chart.destroy(); }
      clear(v.chartBox);
      const ops = [...new Set(v.windows.flatMap((w) => w.operations.map((o) => o.name)))].slice(0, 10);
      if (v.windows.length) v.chart = timeChart(v.chartBox, { title: 'throughput per window', unit: 'ops/s', time: false, xLabel: 's into the run', height: 200,
        series: ops.map((name) => ({ label: name, points: v.windows.map((w) => ({ t: w.endUs / 1e6, value: (w.operations.find((o) => o.name === name) || { throughput: null }).throughput })).filter((p) => p.value !== null) })) });
    };
    const finish = (v, f) => { v.status.textContent = f.passed ? 'finished ✓' : 'finished ✗'; v.status.className = 'status ' + (f.passed ? 'pass' : 'fail'); v.card.dataset.finished = 'true'; };
    liveSource = new EventSource('/api/live/stream');
    liveSource.addEventListener('snapshot', (e) => {
      for (const r of JSON.parse(e.data)) { const v = view(r.runId); v.windows = r.windows; draw(v); if (r.finished) finish(v, r.finished); else if (r.stale) { v.status.textContent = 'stopped reporting'; } }
    });
    liveSource.addEventListener('start', (e) => { view(JSON.parse(e.data).runId); });
    liveSource.addEventListener('window', (e) => { const w = JSON.parse(e.data); const v = view(w.runId); v.windows.push(w); draw(v); });
    liveSource.addEventListener('finish', (e) => { const f = JSON.parse(e.data); finish(view(f.runId), f); });
  }

  // ---------- router ----------
  async function route() {
    const mine = ++generation;
    destroyCharts();
    if (liveSource) { liveSource.close(); liveSource = null; }
    page = document.createElement('div');
    root.replaceChildren(page);
    delete root.dataset.ready;
    const hash = location.hash.replace(/^#\/?/, '') || 'overview';
    const [path, query] = hash.split('?');
    const params = new URLSearchParams(query || '');
    const [name, arg] = path.split('/');
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === name);
    try {
      if (name === 'overview') await overview();
      else if (name === 'trends') await trends(params);
      else if (name === 'runs') await runsPage();
      else if (name === 'run') await runPage(decodeURIComponent(arg || ''), params);
      else if (name === 'tools') await toolsPage(params);
      else if (name === 'consensus') await consensusPage();
      else if (name === 'live') livePage();
      else page.append(el('p', { class: 'error', text: 'No page "' + name + '".' }));
    } catch (err) {
      if (mine !== generation) return;
      page.append(el('p', { class: 'error', text: 'Could not load this page: ' + (err && err.message ? err.message : String(err)) }));
    }
    if (mine === generation) root.dataset.ready = name;
  }
  async function liveBadge() {
    try { const o = await api('/api/live'); document.getElementById('live-count').textContent = String(o.filter((r) => !r.finished && !r.stale).length || ''); } catch { /* the badge is a hint only */ }
  }
  window.addEventListener('hashchange', route);
  route();
  liveBadge();
  setInterval(liveBadge, 5000);
})();
