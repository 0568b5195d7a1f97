import type { EventWarning, MappingHooks } from '../contract/index.js';
import { jsonText, setOwn, warning } from '../contract/index.js';
import type { ArrayMode } from './blueprint-options.js';
import { HEAP_CALLS, HEAP_LIMITS } from './constants.js';

export type PropertyTarget = 'event' | 'user' | 'account';
export type HeapValue = string | number;

export interface ShapedProperties {
  properties: Record<string, HeapValue>;
  warnings: EventWarning[];
}

/** Heap's own array semantics: values joined with `||`. */
const JOIN = '||';
/** Deeper than this, a value is kept as a JSON string rather than exploded into more keys. */
const MAX_DEPTH = 16;

/** Heap's words for its length limits, said in every warning that applies one. */
const LENGTH_RULE = `Heap takes fewer than ${HEAP_LIMITS.propertyValueLength + 1} characters`;

/**
 * Turns arbitrary JSON-ish properties into what Heap takes: flat keys, string or number values,
 * each of fewer than 1024 characters. Nothing is changed silently: every truncation or dropped key is a warning.
 */
export function shapeProperties(input: unknown, mode: ArrayMode, target: PropertyTarget): ShapedProperties {
  const shaper = new Shaper(mode, target);
  if (input && typeof input === 'object' && !Array.isArray(input)) shaper.flattenObject('', input, 0);
  return { properties: shaper.out, warnings: shaper.warnings };
}

/** One shaping pass. Methods, not closures, so a call allocates one object, not five functions. */
class Shaper {
  /** Written with `setOwn` only: a key such as "__proto__" is plain data here, and JSON.stringify sends it as such. */
  readonly out: Record<string, HeapValue> = {};
  readonly warnings: EventWarning[] = [];

  constructor(
    private readonly mode: ArrayMode,
    private readonly target: PropertyTarget,
  ) {}

  flattenObject(prefix: string, value: object, depth: number): void {
    for (const child in value) {
      if (!Object.hasOwn(value, child)) continue;
      this.flatten(prefix === '' ? child : `${prefix}.${child}`, (value as Record<string, unknown>)[child], depth + (prefix === '' ? 0 : 1));
    }
  }

  put(key: string, value: HeapValue): void {
    if (key === '') return void this.warnings.push(warning('dropped_property', 'dropped a property with an empty name', ''));
    if (key.length > HEAP_LIMITS.propertyKeyLength) {
      return void this.warnings.push(warning('dropped_property', `dropped property "${key.slice(0, 40)}…": its name is ${key.length} characters; ${LENGTH_RULE} in a name`, `${key.slice(0, 40)}…`));
    }
    if (this.target === 'user' && key.length === 2 && key.toLowerCase() === 'id') {
      return void this.warnings.push(warning('dropped_property', `dropped user property "${key}": Heap does not allow "id" as a user property name`, key));
    }
    if (typeof value === 'string' && value.length > HEAP_LIMITS.propertyValueLength) {
      this.warnings.push(warning('truncated_value', `truncated property "${key}" from ${value.length} to ${HEAP_LIMITS.propertyValueLength} characters (${LENGTH_RULE} in a value)`, key));
      value = truncate(value, HEAP_LIMITS.propertyValueLength);
    }
    setOwn(this.out, key, value);
  }

  flatten(key: string, value: unknown, depth: number): void {
    const scalar = toScalar(value);
    if (scalar !== undefined) return this.put(key, scalar);
    if (value === null || value === undefined) return;
    if (typeof value !== 'object') return void this.warnings.push(warning('dropped_property', `dropped property "${key}": ${unsendable(value)}`, key));
    if (depth >= MAX_DEPTH) {
      this.warnings.push(warning('stringified_value', `property "${key}" is nested deeper than ${MAX_DEPTH} levels and was sent as a JSON string`, key));
      return this.put(key, jsonText(value));
    }
    if (Array.isArray(value)) return this.flattenArray(key, value, depth);
    this.flattenObject(key, value, depth);
  }

  flattenArray(key: string, items: unknown[], depth: number): void {
    if (this.mode === 'json') return this.put(key, jsonText(items));
    if (this.mode === 'index') {
      for (let i = 0; i < items.length; i++) this.flatten(`${key}.${i}`, items[i], depth + 1);
      return;
    }
    if (items.length > 0 && items.every(isPlainObject)) return this.joinObjectFields(key, items as object[]);
    // A null keeps its place as an empty value (`a||||true`), as a missing field does in an array of
    // objects: positions are what tie joined values together. Only nulls: nothing to send, like [].
    if (items.every((item) => item === null || item === undefined)) return;
    const parts: HeapValue[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const part = isPlainObject(item) || Array.isArray(item) ? jsonText(item) : toScalar(item);
      if (part === undefined && item !== null && item !== undefined) this.warnings.push(warning('emptied_item', `property "${key}" item ${i}: ${unsendable(item)}, sent as an empty value`, key));
      parts.push(part ?? '');
    }
    this.put(key, parts.join(JOIN));
  }

  /** `products: [{sku: A}, {sku: B}]` → `products.sku = "A||B"`; positions stay aligned across fields. */
  joinObjectFields(key: string, objects: object[]): void {
    const columns = new Map<string, string[]>();
    const cell = (field: string, row: number, text: string) => {
      let column = columns.get(field);
      if (!column) columns.set(field, (column = new Array<string>(objects.length).fill('')));
      column[row] = text;
    };
    for (let row = 0; row < objects.length; row++) {
      const item = objects[row] as Record<string, unknown>;
      for (const field in item) {
        if (!Object.hasOwn(item, field)) continue;
        const value = item[field];
        const scalar = toScalar(value);
        if (scalar !== undefined) cell(field, row, String(scalar));
        else if (value !== null && value !== undefined) {
          // Nested values (rare) go through a shaper of their own: dot paths, arrays as JSON, warnings.
          const nested = new Shaper('json', 'event');
          nested.flatten(field, value, 1);
          for (const w of nested.warnings) this.warnings.push(warning(w.code, `${key}[${row}]: ${w.message}`, `${key}.${w.property ?? field}`));
          for (const path in nested.out) cell(path, row, String(nested.out[path]));
        }
      }
    }
    for (const [field, column] of columns) this.put(`${key}.${field}`, column.join(JOIN));
  }
}

/** Why a value that is not an object cannot be sent. */
function unsendable(value: unknown): string {
  if (typeof value === 'number') return `${value} is not a finite number`;
  return value instanceof Date ? 'an invalid date cannot be sent to Heap' : `a ${typeof value} cannot be sent to Heap`;
}

/** Which of Heap's property kinds a vendor call takes. */
function targetOf(vendorName: string): PropertyTarget {
  if (vendorName === HEAP_CALLS.addUserProperties) return 'user';
  if (vendorName === HEAP_CALLS.addAccountProperties) return 'account';
  return 'event';
}

const shapings = new Map<ArrayMode, MappingHooks<Record<string, HeapValue>>>();

/** The mapping kit's hook: each mapped payload shaped for the Heap call its vendor name selects. */
export function heapShaping(mode: ArrayMode): MappingHooks<Record<string, HeapValue>> {
  let hooks = shapings.get(mode);
  if (!hooks) {
    hooks = {
      shape(payload, vendorName) {
        const shaped = shapeProperties(payload, mode, targetOf(vendorName));
        return { payload: shaped.properties, warnings: shaped.warnings };
      },
    };
    shapings.set(mode, hooks);
  }
  return hooks;
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
