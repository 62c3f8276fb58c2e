/**
 * The house rules of docs/architecture.md, checked on every test run: no file imports a file of a
 * higher layer, and no import circles between files or between folders.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { circles, folderEdges, importEdges, layerOf, LAYERS } from './import-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const edges = importEdges(SRC);

describe('import graph of src/', () => {
  it('reads the imports (the graph is not empty)', () => {
    expect(edges.length).toBeGreaterThan(200);
  });

  it('every top folder has a layer', () => {
    for (const e of edges) {
      expect(() => layerOf(e.from)).not.toThrow();
      expect(() => layerOf(e.to)).not.toThrow();
    }
  });

  it('no file imports a higher layer', () => {
    const back = edges.filter((e) => layerOf(e.to) > layerOf(e.from)).map((e) => `${e.from} -> ${e.to}`);
    expect(back).toEqual([]);
  });

  it('no import circles between files', () => {
    expect(circles(edges)).toEqual([]);
  });

  it('no import circles between folders', () => {
    expect(circles(folderEdges(edges))).toEqual([]);
  });

  it('detects a planted back edge and a planted circle', () => {
    const planted = [
      { from: 'core/units.ts', to: 'cli/main.ts' },
      { from: 'cli/main.ts', to: 'core/units.ts' },
    ];
    expect(planted.filter((e) => layerOf(e.to) > layerOf(e.from))).toHaveLength(1);
    expect(circles(planted)).toHaveLength(1);
    expect(LAYERS.flat()).toContain('core');
  });
});
