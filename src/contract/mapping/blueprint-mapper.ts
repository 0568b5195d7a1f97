import type { Blueprint, EventRule, Mapping } from '../blueprint.js';
import { EVENT_OBJECTS, EVENT_TYPES } from '../event.js';
import { compilePath, nullOnPath, readPath, type Path, type Scope } from './paths.js';
import { setOwn } from './records.js';
import { parseTemplate, renderTemplate, type TemplatePart } from './template.js';
import { asText, quoted } from './text.js';
import { applyTransform } from './transforms.js';
import { warning, type EventWarning } from '../warnings.js';

/** What a blueprint makes of one event: a vendor name and a payload, or a reason to drop it. */
export type MappedEvent<P = Record<string, unknown>> =
  | { action: 'send'; vendorName: string; payload: P; warnings: EventWarning[] }
  | { action: 'drop'; reason: string };

/** Where a vendor plugs into the kit. */
export interface MappingHooks<P> {
  /**
   * The vendor's shaping of a mapped payload for the call `vendorName` names (flat values, length
   * limits, names the vendor forbids). Every change it makes comes back as a coded warning.
   */
  shape(payload: Record<string, unknown>, vendorName: string): { payload: P; warnings: EventWarning[] };
}

/** Event types whose rule is keyed by type; track events are keyed by their name. */
const TYPE_KEYED = new Set<string>(EVENT_TYPES.filter((type) => type !== 'track'));

/** A mapping with its path or template parsed once, not once per event, and its name for warnings. */
interface CompiledMapping {
  mapping: Mapping;
  path?: Path;
  template?: TemplatePart[];
  label: string;
}

/** A blueprint made ready to apply: per rule, the global mappings followed by the rule's own. */
interface CompiledBlueprint {
  rules: Map<string, { rule: EventRule; mappings: CompiledMapping[] }>;
  defaults: CompiledMapping[];
}

const compiled = new WeakMap<Blueprint, CompiledBlueprint>();

function compileMapping(mapping: Mapping): CompiledMapping {
  const template = mapping.template === undefined ? undefined : parseTemplate(mapping.template);
  if (template && !template.ok) throw new Error(`template ${quoted(mapping.template)} ${template.message}`);
  const from = mapping.source ?? (mapping.template !== undefined ? quoted(mapping.template) : 'value');
  return { mapping, path: mapping.source === undefined ? undefined : compilePath(mapping.source), template: template?.parts, label: `mapping ${from} → ${mapping.target}` };
}

function compile(blueprint: Blueprint): CompiledBlueprint {
  let ready = compiled.get(blueprint);
  if (ready) return ready;
  const withGlobals = (mappings: Mapping[]) => [...blueprint.global.mappings, ...mappings].map(compileMapping);
  ready = {
    rules: new Map(Object.entries(blueprint.events).map(([key, rule]) => [key, { rule, mappings: withGlobals(rule.mappings) }])),
    defaults: withGlobals(blueprint.defaults.mappings),
  };
  compiled.set(blueprint, ready);
  return ready;
}

/** The key of the blueprint rule an event falls under: its type, or a track event's name. */
export function ruleKeyOf(event: Record<string, unknown>): string | undefined {
  const type = asText(event.type);
  return TYPE_KEYED.has(type) ? type : typeof event.event === 'string' ? event.event : undefined;
}

/**
 * Applies a Datafly v2 blueprint to one event: finds its rule (keyed by type, or a track event's name)
 * or the defaults, then applies `global.mappings` and the rule's mappings in order, later targets
 * overwriting earlier ones; then the vendor's `shape`, when given. Every vendor maps with this.
 */
export function mapEvent(blueprint: Blueprint, event: Record<string, unknown>): MappedEvent;
export function mapEvent<P>(blueprint: Blueprint, event: Record<string, unknown>, hooks: MappingHooks<P>): MappedEvent<P>;
export function mapEvent<P>(blueprint: Blueprint, event: Record<string, unknown>, hooks?: MappingHooks<P>): MappedEvent<P | Record<string, unknown>> {
  const type = asText(event.type);
  const name = typeof event.event === 'string' ? event.event : undefined;
  const ruleKey = ruleKeyOf(event);
  const { rules, defaults } = compile(blueprint);
  const entry = ruleKey !== undefined ? rules.get(ruleKey) : undefined;
  const rule = entry?.rule;

  if (rule && !rule.enabled) return { action: 'drop', reason: `the blueprint disables "${ruleKey}"` };
  if (!rule && blueprint.defaults.action === 'drop') {
    return { action: 'drop', reason: `the blueprint has no rule for "${ruleKey ?? type}" and its default action is drop` };
  }
  const vendorName = rule?.vendor_event_name ?? name ?? (typeof event.name === 'string' && event.name !== '' ? event.name : type);

  const scope: Scope = { event, parameters: blueprint.parameters };
  const payload: Record<string, unknown> = {};
  const warnings: EventWarning[] = [];
  for (const mapping of entry ? entry.mappings : defaults) applyMapping(mapping, scope, payload, warnings);
  if (!hooks) return { action: 'send', vendorName, payload, warnings };
  const shaped = hooks.shape(payload, vendorName);
  for (const warning of shaped.warnings) warnings.push(warning);
  return { action: 'send', vendorName, payload: shaped.payload, warnings };
}

function applyMapping(compiled: CompiledMapping, scope: Scope, payload: Record<string, unknown>, warnings: EventWarning[]) {
  const { mapping, label } = compiled;
  let value = read(compiled, scope, warnings);
  if ((value === undefined || value === null) && mapping.default !== undefined) value = mapping.default;
  if (value === undefined || value === null) return;
  if (mapping.value_map) {
    const key = asText(value);
    if (Object.hasOwn(mapping.value_map, key)) value = mapping.value_map[key];
  }
  if (mapping.transform) {
    const transformed = applyTransform(mapping.transform, value, mapping.format);
    if (!transformed.ok) return void warnings.push(warning('transform_failed', `${label}: ${transformed.reason}; ${whatWasKept(payload, mapping.target)}`, targetOf(mapping)));
    value = transformed.value;
  }
  if (mapping.target !== '*') return setOwn(payload, mapping.target, value);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const k in value) if (Object.hasOwn(value, k)) setOwn(payload, k, (value as Record<string, unknown>)[k]);
  } else {
    warnings.push(warning('spread_not_object', `${label}: only an object can be spread, got ${Array.isArray(value) ? 'an array' : typeof value}`, targetOf(mapping)));
  }
}

/** The property a mapping's warning is about: its target, or its source when it spreads into the payload. */
function targetOf(mapping: Mapping): string | undefined {
  return mapping.target === '*' ? mapping.source : mapping.target;
}

/** After a failed transform: what the payload holds at the target, so the warning says what is sent. */
function whatWasKept(payload: Record<string, unknown>, target: string): string {
  if (target !== '*' && Object.hasOwn(payload, target)) return `"${target}" keeps ${quoted(payload[target])}, set by an earlier mapping`;
  return `this mapping set nothing${target === '*' ? '' : ` ("${target}" is not sent unless a later mapping sets it)`}`;
}

/** The mapping's value; a null object that hid it (`properties: null`) is said once per event. */
function read(compiled: CompiledMapping, scope: Scope, warnings: EventWarning[]): unknown {
  const { mapping, path, template, label } = compiled;
  if (template) {
    const rendered = renderTemplate(template, scope);
    if (rendered.text !== undefined && rendered.missing.length > 0) {
      warnings.push(warning('template_missing', `${label}: ${rendered.missing.join(', ')} ${rendered.missing.length > 1 ? 'had no values and were' : 'had no value and was'} left empty`, targetOf(mapping)));
    }
    return rendered.text;
  }
  if (!path) return mapping.value;
  const value = readPath(scope, path);
  if (value !== undefined && value !== null) return value;
  const nullObject = nullOnPath(scope, path) ?? (value === null && (mapping.target === '*' || EVENT_OBJECTS.has(mapping.source!)) ? mapping.source : undefined);
  if (nullObject !== undefined) {
    const note = `${nullObject} is null: read as absent`;
    if (!warnings.some((w) => w.message === note)) warnings.push(warning('null_as_absent', note, nullObject));
  }
  return value;
}
