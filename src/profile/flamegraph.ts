/**
 * A flamegraph as one self-contained SVG (no script, no external file): the root at the bottom,
 * each frame as wide as its share of CPU time, callers below callees, as Brendan Gregg's
 * flamegraph.pl draws them. Every name and path is XML-escaped (function names are arbitrary
 * text: `<anonymous>`, `a&b`, quotes); hovering a box shows its title with the times.
 */
import { frameLabel, type FlameNode } from './tree.js';

const WIDTH = 1200;
const ROW = 17;
const PAD = 10;
const TITLE_H = 28;
const FONT_PX = 11;
/** Boxes narrower than this are not drawn (they would be invisible and bloat the file). */
const MIN_BOX_PX = 0.3;
const CHAR_PX = FONT_PX * 0.6;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** Warm colours, stable per name (the same function has the same colour in every graph). */
function colour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const r = 205 + (h % 50);
  const g = 80 + ((h >>> 8) % 130);
  const b = 40 + ((h >>> 16) % 40);
  return `rgb(${r},${g},${b})`;
}

function depthOf(n: FlameNode): number {
  return 1 + n.children.reduce((a, c) => Math.max(a, depthOf(c)), 0);
}

const ms = (us: number): string => `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;

export function renderFlamegraphSvg(tree: FlameNode, title: string): string {
  const total = tree.totalUs;
  const depth = depthOf(tree);
  const height = TITLE_H + depth * ROW + PAD * 2;
  const scale = total > 0 ? (WIDTH - 2 * PAD) / total : 0;
  const boxes: string[] = [];
  const draw = (n: FlameNode, x: number, level: number): void => {
    const w = n.totalUs * scale;
    if (w < MIN_BOX_PX) return;
    const y = height - PAD - (level + 1) * ROW;
    const label = frameLabel(n.frame);
    const share = total > 0 ? ((n.totalUs / total) * 100).toFixed(2) : '0';
    const tip = `${label} — total ${ms(n.totalUs)} (${share} %), self ${ms(n.selfUs)}`;
    const fits = Math.floor((w - 4) / CHAR_PX);
    const text = fits >= 3 ? (label.length <= fits ? label : `${label.slice(0, fits - 2)}..`) : '';
    boxes.push(
      `<g><title>${escapeXml(tip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${ROW - 1}" fill="${level < 2 ? 'rgb(200,200,210)' : colour(n.frame.name)}" rx="2"/>` +
        (text ? `<text x="${(x + 3).toFixed(2)}" y="${y + ROW - 5}">${escapeXml(text)}</text>` : '') +
        '</g>',
    );
    let cx = x;
    for (const c of n.children) {
      draw(c, cx, level + 1);
      cx += c.totalUs * scale;
    }
  };
  draw(tree, PAD, 0);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="${FONT_PX}">`,
    `<rect width="100%" height="100%" fill="#fdfdf8"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(`${title} — ${ms(total)} CPU`)}</text>`,
    ...boxes,
    '</svg>',
    '',
  ].join('\n');
}
