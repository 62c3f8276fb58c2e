/*
 * The CPU flamegraph of a profiled run, on the dashboard's Run page (app.js calls
 * swarmperfFlame.section when the run has profiles). Data: /api/run/profile?id=… (the merged call
 * tree, pruned to visible frames). Root at the bottom, each frame as wide as its share of CPU;
 * hover shows self and total time, click zooms into a frame (its callers stay below, full width,
 * and zoom back out when clicked), "reset" shows everything. Function names are arbitrary text: they
 * only ever become text nodes and attribute values, never markup. No inline script or style
 * attribute (the dashboard's CSP): positions are SVG attributes, the tooltip moves through CSSOM.
 */
'use strict';
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const ROW = 18;
  /** Frames narrower than this many pixels are not drawn. */
  const MIN_PX = 0.5;
  const CHAR_PX = 6.7;

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }

  /** Warm colours, stable per name (as the SVG export colours them). */
  function colour(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return 'rgb(' + (205 + (h % 50)) + ',' + (80 + ((h >>> 8) % 130)) + ',' + (40 + ((h >>> 16) % 40)) + ')';
  }

  function depthBelow(node) {
    let d = 0;
    for (const c of node.c) d = Math.max(d, depthBelow(c));
    return d + 1;
  }

  function label(node) { return node.f ? node.n + ' (' + node.f.split('/').slice(-2).join('/') + ')' : node.n; }

  /** The flamegraph section of one run: heading, summary, the graph, and the top functions. */
  async function section(runId, api, h) {
    const { el, fmtUs } = h;
    const box = el('section', { class: 'flame', id: 'flamegraph' });
    box.append(el('h2', { text: 'CPU profile' }));
    let data;
    try {
      data = await api('/api/run/profile?id=' + encodeURIComponent(runId));
    } catch (err) {
      box.append(el('p', { class: 'error', text: 'The profile of this run cannot be shown: ' + (err && err.message ? err.message : String(err)) }));
      return box;
    }
    const tree = data.tree;
    const pct = (part, whole) => (whole > 0 ? ((part / whole) * 100).toFixed(1) : '0.0') + ' %';
    const o = data.overhead;
    box.append(el('p', { class: 'muted', text: fmtUs(data.cpuUs) + ' CPU sampled every ' + fmtUs(data.intervalUs) + ' in ' + data.processes.length + ' process(es): ' + data.processes.join(', ') +
      (o ? ' · ' + o.samples.toLocaleString('en-US') + ' samples' + (o.workRatio ? ' · profiler cost ≈ ' + Math.max(0, (1 / o.workRatio.median - 1) * 100).toFixed(1) + ' % CPU per unit of work (work ratio ' + [o.workRatio.min, o.workRatio.median, o.workRatio.max].map((x) => x.toFixed(3)).join(' / ') + ', min / median / max of ' + o.calibrationPairs + ' pairs)' : '') : '') }));

    const parents = new Map();
    (function index(n) { for (const c of n.c) { parents.set(c, n); index(c); } })(tree);
    const crumbs = el('div', { class: 'flame-crumbs muted' });
    const holder = el('div', { class: 'flame-holder' });
    const tip = el('div', { class: 'flame-tip', role: 'tooltip' });
    tip.hidden = true;
    const reset = el('button', { type: 'button', id: 'flame-reset', text: 'reset zoom', onclick: () => draw(tree) });
    box.append(el('div', { class: 'controls' }, reset, el('span', { class: 'muted', text: 'Hover a frame for its time, click to zoom into it, click a caller below to zoom out.' })), crumbs, holder, tip);

    function showTip(ev, node) {
      tip.replaceChildren(
        el('div', { class: 'flame-tip-name', text: node.n }),
        node.f ? el('div', { class: 'muted', text: node.f }) : null,
        el('div', { text: 'total ' + fmtUs(node.t) + ' (' + pct(node.t, tree.t) + ' of all CPU)' }),
        el('div', { text: 'self ' + fmtUs(node.s) + ' (' + pct(node.s, tree.t) + ')' }),
      );
      tip.hidden = false;
      const r = holder.getBoundingClientRect();
      tip.style.left = Math.min(ev.clientX - r.left + 12, Math.max(0, r.width - 320)) + 'px';
      tip.style.top = ev.clientY - r.top + holder.offsetTop + 14 + 'px';
    }

    function draw(focus) {
      tip.hidden = true;
      const ancestors = [];
      for (let a = parents.get(focus); a; a = parents.get(a)) ancestors.unshift(a);
      // Before the section is in the page the holder has no width yet: the page's is used.
      const width = Math.max(400, holder.clientWidth || ((document.getElementById('page') || document.body).clientWidth - 24) || 1200);
      const levels = ancestors.length + depthBelow(focus);
      const height = levels * ROW + 4;
      const graph = svg('svg', { class: 'flame-graph', width, height, viewBox: '0 0 ' + width + ' ' + height, 'data-focus': focus.n, 'data-frames': 0 });
      let frames = 0;
      const frame = (node, x, w, level, isAncestor) => {
        const y = height - (level + 1) * ROW;
        const g = svg('g', { class: 'flame-frame' + (isAncestor ? ' flame-ancestor' : ''), 'data-name': node.n, 'data-self-us': node.s, 'data-total-us': node.t, tabindex: 0 });
        g.append(svg('rect', { x: x.toFixed(2), y, width: Math.max(0, w - 0.5).toFixed(2), height: ROW - 1, rx: 2, fill: level === 0 && node === tree ? 'rgb(200,200,210)' : colour(node.n) }));
        const text = label(node);
        const fits = Math.floor((w - 6) / CHAR_PX);
        if (fits >= 3) {
          const t = svg('text', { x: (x + 3).toFixed(2), y: y + ROW - 5 });
          t.textContent = text.length <= fits ? text : text.slice(0, fits - 2) + '..';
          g.append(t);
        }
        g.addEventListener('mousemove', (ev) => showTip(ev, node));
        g.addEventListener('mouseleave', () => { tip.hidden = true; });
        g.addEventListener('click', () => draw(node));
        g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') draw(node); });
        graph.append(g);
        frames++;
      };
      ancestors.forEach((a, i) => frame(a, 0, width, i, true));
      const scale = focus.t > 0 ? width / focus.t : 0;
      const below = (node, x, level) => {
        const w = node.t * scale;
        if (w < MIN_PX) return;
        frame(node, x, w, level, false);
        let cx = x;
        for (const c of node.c) { below(c, cx, level + 1); cx += c.t * scale; }
      };
      below(focus, 0, ancestors.length);
      graph.setAttribute('data-frames', String(frames));
      holder.replaceChildren(graph);
      crumbs.replaceChildren(...[...ancestors, focus].map((n, i) => el('span', {}, i > 0 ? ' › ' : '', n.n)));
    }
    box.append(el('h2', { text: 'top functions by self time' }),
      el('table', { class: 'flame-top' }, el('tr', {}, ['self', 'self %', 'total', 'total %', 'function', 'under'].map((t, i) => el('th', { class: i < 4 ? 'num' : undefined, text: t }))),
        data.top.map((r) => el('tr', {}, el('td', { class: 'num', text: fmtUs(r.selfUs) }), el('td', { class: 'num', text: pct(r.selfUs, data.cpuUs) }), el('td', { class: 'num', text: fmtUs(r.totalUs) }),
          el('td', { class: 'num', text: pct(r.totalUs, data.cpuUs) }), el('td', { text: r.function }), el('td', { class: 'muted', text: r.under || '' })))));
    draw(tree);
    return box;
  }

  window.swarmperfFlame = { section };
})();
