/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: every sample line
 * must belong to a family announced by HELP and TYPE before it, names and labels must be valid,
 * label values correctly escaped, values numbers (or NaN/±Inf), and no family may appear twice.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without "="`);
    const key = text.slice(i, eq);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) throw new Error(`${where}: bad label name "${key}"`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value must be quoted`);
    let j = eq + 2;
    let value = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`${where}: bad escape \\${next ?? ''}`);
      } else if (text[j] === '\n') throw new Error(`${where}: raw newline in label value`);
      else value += text[j];
    }
    if (j >= text.length) throw new Error(`${where}: unterminated label value`);
    if (key in labels) throw new Error(`${where}: label ${key} twice`);
    labels[key] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`${where}: expected "," between labels`);
  }
  return labels;
}

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^-?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+)$/.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

/** The family a sample belongs to (summary/histogram samples carry suffixes). */
function familyOf(sample: string, families: Map<string, PromFamily>): PromFamily | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ['_sum', '_count', '_bucket', '_total']) {
    if (sample.endsWith(suffix)) {
      const f = families.get(sample.slice(0, -suffix.length));
      if (f) return f;
    }
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, PromFamily>();
  const closed = new Set<string>();
  let current: PromFamily | undefined;
  let pendingHelp: { name: string; help: string } | undefined;
  text.split('\n').slice(0, -1).forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
      if (kind === 'HELP') {
        if (families.has(name) || closed.has(name)) throw new Error(`${where}: family ${name} announced twice`);
        pendingHelp = { name, help: rest };
        return;
      }
      if (!TYPES.has(rest)) throw new Error(`${where}: bad type "${rest}"`);
      if (!pendingHelp || pendingHelp.name !== name) throw new Error(`${where}: TYPE of ${name} without its HELP just before`);
      if (current) closed.add(current.name);
      current = { name, type: rest, help: pendingHelp.help, samples: [] };
      families.set(name, current);
      pendingHelp = undefined;
      return;
    }
    if (line.startsWith('#')) return;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`${where}: not a sample line: ${line.slice(0, 80)}`);
    const family = familyOf(m[1] as string, families);
    if (!family) throw new Error(`${where}: sample ${m[1]} before its HELP/TYPE`);
    if (family !== current) throw new Error(`${where}: sample of ${family.name} outside its family's block`);
    family.samples.push({ name: m[1] as string, labels: m[3] ? parseLabels(m[3], where) : {}, value: parseValue(m[4] as string, where) });
  });
  return families;
}
