import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A function longer than this is read in more than one sitting: split it. */
const MAX_LINES = 80;

/** Migrations are definitions, never edited once shipped: their length is their content. */
const EXEMPT = new Set(['reference-host/src/host/store/migrations.ts']);

/** Functions still to split, at most as long as they are now: `file name` → lines (none left). */
const PENDING: Record<string, number> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** What a reader calls a function: its own name, the variable or property it is assigned to, or the call it is passed to. */
function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  if (ts.isCallExpression(parent)) return `(argument of ${parent.expression.getText(source)})`;
  return '(anonymous)';
}

interface LongFunction {
  at: string;
  name: string;
  lines: number;
}

/** Every function, method, accessor, constructor and arrow function in `text` longer than `max` lines. */
function longFunctions(file: string, text: string, max: number): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = source.getLineAndCharacterOfPosition(fn.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(fn.getEnd()).line;
      const lines = last - first + 1;
      if (lines > max) found.push({ at: `${file}:${first + 1}`, name: nameOf(fn, source), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('functions one reads at once', () => {
  it(`no function in src/ or reference-host/src/ is longer than ${MAX_LINES} lines`, () => {
    const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'reference-host/src'))].filter((file) => !EXEMPT.has(relative(ROOT, file)));
    expect(files.length).toBeGreaterThan(50);
    const long = files.flatMap((file) => longFunctions(relative(ROOT, file), readFileSync(file, 'utf8'), MAX_LINES));
    const key = (f: LongFunction) => `${f.at.replace(/:\d+$/, '')} ${f.name}`;
    expect(long.filter((f) => f.lines > (PENDING[key(f)] ?? 0)).map((f) => `${f.at} ${f.name} (${f.lines} lines)`)).toEqual([]);
    // A function split since leaves the list.
    expect(Object.keys(PENDING).filter((pending) => !long.some((f) => key(f) === pending))).toEqual([]);
  });

  it('measures functions, methods and arrow functions, nested ones too, by their lines', () => {
    const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      `export function outer() {\n${body(5)}\n  const inner = () => {\n${body(4)}\n  };\n}`,
      `class Box {\n  method() {\n${body(4)}\n  }\n}`,
      `app.get('/x', async () => {\n${body(4)}\n});`,
    ].join('\n');
    expect(longFunctions('x.ts', text, 3)).toEqual([
      { at: 'x.ts:1', name: 'outer', lines: 9 },
      { at: 'x.ts:5', name: 'inner', lines: 4 },
      { at: 'x.ts:11', name: 'method', lines: 4 },
      { at: 'x.ts:16', name: '(argument of app.get)', lines: 4 },
    ]);
  });
});
