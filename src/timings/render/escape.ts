/**
 * Escaping of names that come from logs (tool, category, session, call ids): a log is input from
 * outside, so a tool called `<script>` or `| x |` or one carrying terminal escape codes must come
 * out as text in every format.
 */
import { escapeHtml } from '../../report/escape.js';

/** Control characters (C0, DEL, C1) shown as \u escapes: no terminal escape sequences get through. */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function html(s: string): string {
  return escapeHtml(plain(s));
}

/** Inline markdown text: markdown punctuation backslash-escaped, HTML specials as entities (tables are pipe-delimited). */
export function markdown(s: string): string {
  return plain(s)
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
}

/**
 * One CSV field (RFC 4180): quoted when needed; text starting with = + - @ gets a leading ' so a
 * spreadsheet shows it instead of evaluating it as a formula (CSV injection).
 */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
