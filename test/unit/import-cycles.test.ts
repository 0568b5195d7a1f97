import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The plugin's entry points as the reference host imports them by name. */
const PACKAGE_ENTRIES: Record<string, string> = {
  '@datafly/heap-integration': join(ROOT, 'src/index.ts'),
  '@datafly/heap-integration/contract': join(ROOT, 'src/contract/index.ts'),
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every module a file imports or re-exports, type-only ones included (a type cycle is a design cycle too). */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, false);
  const targets: string[] = [];
  for (const { fileName } of importedFiles) {
    const target = fileName.startsWith('.') ? resolve(dirname(file), fileName.replace(/\.js$/, '.ts')) : PACKAGE_ENTRIES[fileName];
    if (target !== undefined && known.has(target)) targets.push(target);
  }
  return targets;
}

/** Each cycle once, as the files it runs through, by a depth-first walk that keeps its path. */
function importCycles(files: readonly string[]): string[][] {
  const known = new Set(files);
  const graph = new Map(files.map((file) => [file, importsOf(file, known)]));
  const done = new Set<string>();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (file: string) => {
    const at = path.indexOf(file);
    if (at >= 0) return void cycles.push([...path.slice(at), file]);
    if (done.has(file)) return;
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    done.add(file);
  };
  for (const file of files) visit(file);
  return cycles;
}

const shown = (cycle: string[]) => cycle.map((file) => relative(ROOT, file)).join(' → ');

describe('imports run one way', () => {
  it('the plugin and the reference host have no import cycle', () => {
    const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'reference-host/src'))];
    expect(files.length).toBeGreaterThan(50);
    expect(importCycles(files).map(shown)).toEqual([]);
  });

  it('names a cycle that runs through a type-only import, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-cycles-'));
    try {
      const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
      const files = [
        file('plan.ts', "import { prepare } from './prepare.js';\nexport const plan = prepare;\n"),
        file('prepare.ts', "import type { Item } from './requests.js';\nexport const prepare = (item: Item) => item;\n"),
        file('requests.ts', "export type { Plan } from './plan.js';\nexport type Item = string;\n"),
        file('wire.ts', "import { plan } from './plan.js';\nexport const wire = plan;\n"),
      ];
      expect(importCycles(files).map((cycle) => cycle.map((f) => relative(dir, f)).join(' → '))).toEqual(['plan.ts → prepare.ts → requests.ts → plan.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
