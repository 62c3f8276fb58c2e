/**
 * The import graph of src/, read from the source text: which file imports which (static `from`,
 * side-effect `import '…'`, `export … from` and dynamic `import('…')` with a literal path).
 * Used by the architecture test; kept apart so the layer table can be read on its own.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Layers, lowest first: a file may import only files of its own layer or a lower one. */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  ['core'],
  ['measure', 'profile'],
  ['load', 'monitor', 'sim'],
  ['runner'],
  ['targets'],
  ['consensus'],
  ['suites'],
  ['results'],
  ['analysis', 'tune'],
  ['timings'],
  ['report'],
  ['mcp'],
  ['setup.ts'],
  ['cli'],
  ['index.ts'],
];

export interface ImportEdge {
  from: string;
  to: string;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;

export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(c|m)?ts$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Resolves an import specifier written with a .js/.cjs extension to the .ts/.cts source file. */
function resolveSource(fromFile: string, spec: string, known: Set<string>): string | undefined {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.cjs$/, '.cts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => known.has(c));
}

/** Every relative import between files under srcDir, as paths relative to srcDir. */
export function importEdges(srcDir: string): ImportEdge[] {
  const files = sourceFiles(srcDir).map((f) => resolve(f));
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const target = resolveSource(file, m[2] as string, known);
      if (target) edges.push({ from: relative(srcDir, file), to: relative(srcDir, target) });
    }
  }
  return edges;
}

/** The layer index of a file path relative to src/ (its top folder, or the file itself at the top). */
export function layerOf(path: string): number {
  const top = path.split('/')[0] as string;
  const index = LAYERS.findIndex((names) => names.includes(top));
  if (index < 0) throw new Error(`${path}: its folder "${top}" has no layer in LAYERS (test/architecture/import-graph.ts)`);
  return index;
}

/** Strongly connected components with more than one node (Tarjan), i.e. the import circles. */
export function circles(edges: ImportEdge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (from === to) continue;
    graph.set(from, [...(graph.get(from) ?? []), to]);
    if (!graph.has(to)) graph.set(to, []);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/**
 * Folder-level edges: a file's folder imports the folder of what it imports. A folder and its own
 * subfolder (targets/ and targets/sqlite/) are one room with an alcove: edges between them are left
 * out, since the parent's index and the children's shared helpers legitimately point both ways.
 */
export function folderEdges(edges: ImportEdge[]): ImportEdge[] {
  const seen = new Set<string>();
  const out: ImportEdge[] = [];
  for (const { from, to } of edges) {
    const a = dirname(from);
    const b = dirname(to);
    const key = `${a}\n${b}`;
    if (a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`) || seen.has(key)) continue;
    seen.add(key);
    out.push({ from: a, to: b });
  }
  return out;
}
