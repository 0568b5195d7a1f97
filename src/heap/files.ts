import { readFileSync } from 'node:fs';

/** The package root: two levels above this file, from `src/heap/` as from `dist/heap/`. */
const PACKAGE_ROOT = new URL('../../', import.meta.url);

/** Reads one of the plugin's data files (`catalog/heap.json`, `blueprints/heap/*.json`). */
export function readPackageJson(relativePath: string): unknown {
  return JSON.parse(readFileSync(new URL(relativePath, PACKAGE_ROOT), 'utf8'));
}
