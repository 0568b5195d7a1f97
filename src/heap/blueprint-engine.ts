import { createHash } from 'node:crypto';
import type { Blueprint, DateFormat, EventRule, Mapping } from '../contract/index.js';
import { EVENT_TYPES } from '../contract/index.js';
import { setOwn } from './records.js';
import { asText, jsonText } from './text.js';

/** What the blueprint makes of one event: a vendor name and a payload, or a reason to drop it. */
export type MappedEvent =
  | { action: 'send'; vendorName: string; payload: Record<string, unknown>; warnings: string[] }
  | { action: 'drop'; reason: string };

/** Event types whose rule is keyed by type; track events are keyed by their name. */
const TYPE_KEYED = new Set<string>(EVENT_TYPES.filter((type) => type !== 'track'));

/** A mapping with its source path split once, not once per event. */
interface CompiledMapping {
  mapping: Mapping;
  path?: string[];
}

/** A blueprint made ready to apply: per rule, the global mappings followed by the rule's own. */
interface CompiledBlueprint {
  rules: Map<string, { rule: EventRule; mappings: CompiledMapping[] }>;
  defaults: CompiledMapping[];
}

const compiled = new WeakMap<Blueprint, CompiledBlueprint>();

function compile(blueprint: Blueprint): CompiledBlueprint {
  let ready = compiled.get(blueprint);
  if (ready) return ready;
  const withGlobals = (mappings: Mapping[]) => [...blueprint.global.mappings, ...mappings].map((mapping) => ({ mapping, path: mapping.source?.split('.') }));
  ready = {
    rules: new Map(Object.entries(blueprint.events).map(([key, rule]) => [key, { rule, mappings: withGlobals(rule.mappings) }])),
    defaults: withGlobals(blueprint.defaults.mappings),
  };
  compiled.set(blueprint, ready);
  return ready;
}

/**
 * Applies a Datafly v2 blueprint to one event: finds its rule (or the defaults), then applies
 * `global.mappings` and the rule's mappings in order, later targets overwriting earlier ones.
 */
export function mapEvent(blueprint: Blueprint, event: Record<string, unknown>): MappedEvent {
  const type = asText(event.type);
  const name = typeof event.event === 'string' ? event.event : undefined;
  const ruleKey = TYPE_KEYED.has(type) ? type : name;
  const { rules, defaults } = compile(blueprint);
  const entry = ruleKey !== undefined ? rules.get(ruleKey) : undefined;
  const rule = entry?.rule;

  if (rule && !rule.enabled) return { action: 'drop', reason: `the blueprint disables "${ruleKey}"` };
  if (!rule && blueprint.defaults.action === 'drop') {
    return { action: 'drop', reason: `the blueprint has no rule for "${ruleKey ?? type}" and its default action is drop` };
  }
  const vendorName = rule?.vendor_event_name ?? name ?? (typeof event.name === 'string' && event.name !== '' ? event.name : type);

  const scope = { event, parameters: blueprint.parameters };
  const payload: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const compiledMapping of entry ? entry.mappings : defaults) applyMapping(compiledMapping, scope, payload, warnings);
  return { action: 'send', vendorName, payload, warnings };
}

interface Scope {
  event: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

function applyMapping({ mapping, path }: CompiledMapping, scope: Scope, payload: Record<string, unknown>, warnings: string[]) {
  let value = path !== undefined ? readPath(scope, path) : mapping.value;
  if ((value === undefined || value === null) && mapping.default !== undefined) value = mapping.default;
  if (value === undefined || value === null) return;
  if (mapping.value_map) {
    const key = asText(value);
    if (Object.hasOwn(mapping.value_map, key)) value = mapping.value_map[key];
  }
  if (mapping.transform) {
    const transformed = applyTransform(mapping.transform, value, mapping.format);
    if (!transformed.ok) return void warnings.push(`mapping ${mapping.source ?? 'value'} → ${mapping.target}: ${transformed.reason}; the property was not sent`);
    value = transformed.value;
  }
  if (mapping.target === '*') {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const k in value) if (Object.hasOwn(value, k)) setOwn(payload, k, (value as Record<string, unknown>)[k]);
    } else {
      warnings.push(`mapping ${mapping.source ?? 'value'} → *: only an object can be spread, got ${Array.isArray(value) ? 'an array' : typeof value}`);
    }
    return;
  }
  setOwn(payload, mapping.target, value);
}

/** `context.page.url` reads the event; `parameters.x` reads the blueprint's parameters. Own keys only. */
function readPath(scope: Scope, path: readonly string[]): unknown {
  let current: unknown = path[0] === 'parameters' ? scope.parameters : ownValue(scope.event, path[0]);
  for (let i = 1; i < path.length && current !== undefined; i++) current = ownValue(current, path[i]);
  return current;
}

function ownValue(container: unknown, key: string): unknown {
  if (container === null || typeof container !== 'object') return undefined;
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}

type TransformOutcome = { ok: true; value: unknown } | { ok: false; reason: string };

function applyTransform(transform: NonNullable<Mapping['transform']>, value: unknown, format?: DateFormat): TransformOutcome {
  switch (transform) {
    case 'to_string':
      return { ok: true, value: asText(value) };
    case 'to_number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: `${jsonText(value).slice(0, 100)} is not a number` };
    }
    case 'lowercase':
      return typeof value === 'string' ? { ok: true, value: value.toLowerCase() } : { ok: false, reason: 'lowercase needs a string' };
    case 'uppercase':
      return typeof value === 'string' ? { ok: true, value: value.toUpperCase() } : { ok: false, reason: 'uppercase needs a string' };
    case 'trim':
      return typeof value === 'string' ? { ok: true, value: value.trim() } : { ok: false, reason: 'trim needs a string' };
    case 'sha256':
      return { ok: true, value: createHash('sha256').update(asText(value).trim().toLowerCase()).digest('hex') };
    case 'date_format':
      return formatDate(value, format ?? 'iso');
  }
}

function formatDate(value: unknown, format: DateFormat): TransformOutcome {
  const date = typeof value === 'number' ? new Date(value) : typeof value === 'string' ? new Date(value) : value instanceof Date ? value : undefined;
  if (!date || Number.isNaN(date.getTime())) return { ok: false, reason: `${jsonText(value).slice(0, 100)} is not a date` };
  switch (format) {
    case 'iso':
      return { ok: true, value: date.toISOString() };
    case 'unix':
      return { ok: true, value: Math.floor(date.getTime() / 1000) };
    case 'unix_ms':
      return { ok: true, value: date.getTime() };
    case 'date':
      return { ok: true, value: date.toISOString().slice(0, 10) };
  }
}
