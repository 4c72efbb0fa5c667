/**
 * The import graph of codegen/ and sim/ reads top-down: no module imports itself back through a
 * cycle, and each area imports only from the areas below it (docs/ARCHITECTURE.md, "Layers").
 * Type-only and dynamic imports count: a layer that needs a type from above leans the wrong way.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

/** Areas from the bottom up; an area may import its own modules and those of lower rows. */
const LAYERS: string[][] = [['util', 'schema'], ['numeric'], ['spec'], ['ir'], ['regmap'], ['compiled'], ['policy', 'golden', 'trace'], ['backends'], ['fpga', 'import', 'eval', 'sim'], ['learn'], ['verify'], ['system'], ['cli']];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Repository-relative module → the modules it imports (static, type-only, re-exports, dynamic). */
function importGraph(): Map<string, string[]> {
  const files = [
    ...sourceFiles(join(ROOT, 'codegen')),
    ...readdirSync(join(ROOT, 'sim'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(ROOT, 'sim', f)),
  ];
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm), ...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => m[1]!);
    graph.set(relative(ROOT, file), [...new Set(specifiers.map((s) => relative(ROOT, resolve(dirname(file), s)).replace(/\.js$/, '.ts')))]);
  }
  return graph;
}

/** codegen/spec/validate.ts → spec; codegen/policy.ts → policy; sim/dense.ts → sim. */
function areaOf(module: string): string {
  const parts = module.replace(/\.(ts|json)$/, '').split('/');
  return parts[0] === 'codegen' ? parts[1]! : parts[0]!;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (m: string) => {
    state.set(m, 'open');
    stack.push(m);
    for (const next of graph.get(m) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(m, 'done');
  };
  for (const m of graph.keys()) if (!state.has(m)) visit(m);
  return found;
}

describe('layers lean one way', () => {
  const graph = importGraph();

  it('no import cycles', () => {
    expect(graph.size).toBeGreaterThan(90);
    expect(cycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('every area imports only from itself and the areas below it', () => {
    const rank = new Map(LAYERS.flatMap((row, k) => row.map((area) => [area, k] as const)));
    const areas = new Set([...graph.keys()].map(areaOf));
    expect([...areas].filter((a) => !rank.has(a))).toEqual([]);
    const upward: string[] = [];
    for (const [module, imports] of graph) {
      for (const target of imports) {
        const from = areaOf(module);
        const to = areaOf(target);
        if (from !== to && rank.get(to)! >= rank.get(from)!) upward.push(`${module} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
