/**
 * Escaping for every name that comes from outside (operation, suite, tag, path, error reason) in
 * each output format. Renderers never interpolate such a name without going through one of these:
 * a suite called `<img onerror=…>` or an operation called `a|b` must render as text.
 */

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Characters that act instead of showing: C0 controls other than tab/LF/CR (ESC starts terminal
 * sequences, BEL rings), DEL, C1 controls, and the bidirectional overrides/isolates and marks
 * (U+202E turns "exe.txt" into "txt.exe" on screen). Formats whose own syntax handles tab and line
 * breaks (CSV quoting, HTML whitespace) keep those; everything here is shown as a visible escape.
 */
// eslint-disable-next-line no-control-regex
const ACTING_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `\x1b` for a control character, `\u202e` for the others: visible, never acted on. */
function visibleEscape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Outside text with every acting character (see ACTING_CHARS) replaced by a visible escape. */
export function showActingChars(text: string): string {
  return text.replace(ACTING_CHARS, visibleEscape);
}

/** HTML/XML text and attribute values (also valid inside standalone SVG files: no named entities beyond XML's). */
export function escapeHtml(text: string): string {
  return showActingChars(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] as string);
}

/**
 * JSON embedded in an HTML <script> element: `</script>`, `<!--` and the JS line separators
 * must not appear literally, so `<`, `>`, `&`, U+2028 and U+2029 become \u escapes (still valid JSON).
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Markdown inline text (table cells, list items, headings). HTML-significant characters become
 * entities (Markdown passes raw HTML through), the punctuation that can start emphasis, code,
 * links, cells or closing heading marks is backslash-escaped (`(` and `!` are harmless once `[`
 * is), and line breaks become spaces so a name cannot end a table row or start a block.
 */
export function escapeMarkdown(text: string): string {
  return showActingChars(text)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/[&<>"]/g, (c) => HTML_ENTITIES[c] as string)
    .replace(/[\\`*_[\]#|~]/g, (c) => `\\${c}`);
}

/** Markdown inline code: a code span whose fence is longer than any run of backticks inside. */
export function markdownCode(text: string, inTable = false): string {
  const flat = showActingChars(text).replace(/\r\n|\r|\n/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  // In a table, `|` ends the cell even inside a code span (GFM), so it is escaped there; elsewhere
  // a backslash in a code span is literal, so it is not.
  return `${fence}${pad}${inTable ? flat.replace(/\|/g, '\\|') : flat}${pad}${fence}`;
}

/**
 * One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF, or starts or ends with
 * a space; quotes doubled. Text starting with = + - @ (or tab/CR) gets a leading ' so a spreadsheet
 * shows it instead of evaluating it as a formula (CSV injection); acting characters are made visible.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return formatCsvNumber(value);
  let text = showActingChars(String(value));
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function formatCsvNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : '';
}

/** A Prometheus label value: backslash, double quote and line feed escaped (text exposition format). */
export function escapePromLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A Prometheus HELP text: backslash and line feed escaped. */
export function escapePromHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A file-name-safe slug of an outside name (for chart files beside a report). */
export function fileSlug(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 60);
  return slug === '' ? 'x' : slug;
}

/** Outside names may hold control characters (escape sequences): the terminal shows them, never interprets them. */
export function escapeTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return showActingChars(text).replace(/[\u0000-\u001f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
