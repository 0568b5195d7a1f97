import { HEAP_LIMITS } from './constants.js';
import { jsonText } from './text.js';

export type ArrayMode = 'join' | 'index' | 'json';
export type PropertyTarget = 'event' | 'user' | 'account';
export type HeapValue = string | number;

export interface ShapedProperties {
  properties: Record<string, HeapValue>;
  warnings: string[];
}

/** Heap's own array semantics: values joined with `||`. */
const JOIN = '||';
/** Deeper than this, a value is kept as a JSON string rather than exploded into more keys. */
const MAX_DEPTH = 16;

/**
 * Turns arbitrary JSON-ish properties into what Heap takes: flat keys, string or number values,
 * each within 1024 characters. Nothing is changed silently: every truncation or dropped key is a warning.
 */
export function shapeProperties(input: unknown, mode: ArrayMode, target: PropertyTarget): ShapedProperties {
  const out = new Map<string, HeapValue>();
  const warnings: string[] = [];
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    for (const [key, value] of Object.entries(input)) flatten(key, value, 0);
  }

  function put(key: string, value: HeapValue) {
    if (key === '') return void warnings.push('dropped a property with an empty name');
    if (key.length > HEAP_LIMITS.propertyKeyLength) {
      return void warnings.push(`dropped property "${key.slice(0, 40)}…": its name is ${key.length} characters, Heap's limit is ${HEAP_LIMITS.propertyKeyLength}`);
    }
    if (target === 'user' && key.toLowerCase() === 'id') {
      return void warnings.push(`dropped user property "${key}": Heap does not allow "id" as a user property name`);
    }
    if (typeof value === 'string' && value.length > HEAP_LIMITS.propertyValueLength) {
      warnings.push(`truncated property "${key}" from ${value.length} to ${HEAP_LIMITS.propertyValueLength} characters`);
      value = truncate(value, HEAP_LIMITS.propertyValueLength);
    }
    out.set(key, value);
  }

  function flatten(key: string, value: unknown, depth: number): void {
    const scalar = toScalar(value);
    if (scalar !== undefined) return put(key, scalar);
    if (value === null || value === undefined) return;
    if (typeof value === 'number') return void warnings.push(`dropped property "${key}": ${value} is not a finite number`);
    if (typeof value !== 'object') return void warnings.push(`dropped property "${key}": a ${typeof value} cannot be sent to Heap`);
    if (depth >= MAX_DEPTH) {
      warnings.push(`property "${key}" is nested deeper than ${MAX_DEPTH} levels and was sent as a JSON string`);
      return put(key, jsonText(value));
    }
    if (Array.isArray(value)) return flattenArray(key, value, depth);
    for (const [child, childValue] of Object.entries(value)) flatten(`${key}.${child}`, childValue, depth + 1);
  }

  function flattenArray(key: string, items: unknown[], depth: number) {
    if (mode === 'json') return put(key, jsonText(items));
    if (mode === 'index') {
      items.forEach((item, i) => flatten(`${key}.${i}`, item, depth + 1));
      return;
    }
    const objects = items.filter(isPlainObject);
    if (objects.length > 0 && objects.length === items.length) return joinObjectFields(key, objects);
    const parts = items.map((item) => (isPlainObject(item) || Array.isArray(item) ? jsonText(item) : toScalar(item))).filter((v) => v !== undefined);
    if (parts.length > 0) put(key, parts.join(JOIN));
  }

  /** `products: [{sku: A}, {sku: B}]` → `products.sku = "A||B"`; positions stay aligned across fields. */
  function joinObjectFields(key: string, objects: object[]) {
    const columns = new Map<string, string[]>();
    objects.forEach((item, row) => {
      const cells = shapeProperties(item, 'json', 'event');
      for (const w of cells.warnings) warnings.push(`${key}[${row}]: ${w}`);
      for (const [field, cell] of Object.entries(cells.properties)) {
        const column = columns.get(field) ?? new Array<string>(objects.length).fill('');
        column[row] = String(cell);
        columns.set(field, column);
      }
    });
    for (const [field, column] of columns) put(field === '' ? key : `${key}.${field}`, column.join(JOIN));
  }

  return { properties: Object.fromEntries(out), warnings };
}

function toScalar(value: unknown): HeapValue | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

function isPlainObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Cuts at a code point boundary so no lone surrogate is sent. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
