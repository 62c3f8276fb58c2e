/** Table cells for the HTML report and its parts (breakdown, findings): callers escape the cell HTML. */
import { escapeHtml as h } from './escape.js';

export function table(headers: string[], rows: string[][], textCols = 1): string {
  const th = headers.map((x, i) => `<th${i < textCols ? ' class="text"' : ''}>${h(x)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export const td = (html: string, cls?: string): string => `<td${cls ? ` class="${cls}"` : ''}>${html}</td>`;
