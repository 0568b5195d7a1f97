import type { CatalogManifest, ConfigField } from '../contract/index.js';
import { CatalogManifestSchema, parseOrThrow } from '../contract/index.js';
import { readPackageJson } from './files.js';

/** The catalog card (`catalog/heap.json`), read and checked once: the source of the config fields' words. */
export const HEAP_MANIFEST: CatalogManifest = parseOrThrow(CatalogManifestSchema, readPackageJson('catalog/heap.json'), 'catalog/heap.json');

export function configField(key: string): ConfigField {
  const field = HEAP_MANIFEST.config_fields.find((f) => f.key === key);
  if (!field) throw new Error(`catalog/heap.json has no config field "${key}"`);
  return field;
}
