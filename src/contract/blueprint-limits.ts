import type { Blueprint } from './blueprint.js';
import { ruleKeyOf } from './mapping/index.js';
import { deeperThan } from './nesting.js';
import type { FieldIssue } from './validation.js';

/**
 * How large a blueprint may be. Every event a rule takes runs through all of its mappings (the global
 * ones, then the rule's own), in a preview and in every delivered batch, on the host's own thread:
 * these bounds keep one blueprint from costing seconds per batch, and its revisions from filling an
 * answer. A hand-written blueprint stays far below them.
 */
export const BLUEPRINT_LIMITS = {
  /** The blueprint as JSON, in bytes. */
  bytes: 262_144,
  /** Nesting of objects and arrays, the blueprint itself counting as one. */
  depth: 32,
  /** Mappings one event runs through: `global.mappings` plus its rule's (or the defaults'). */
  mappingsPerEvent: 200,
} as const;

/**
 * What breaks the bounds, named from `within('…')`; checked before the schema, so a blueprint nested
 * thousands deep or megabytes large is refused in one line instead of being parsed.
 */
export function blueprintLimitIssues(input: unknown, within: (field: string) => string): FieldIssue[] {
  if (input === null || typeof input !== 'object') return [];
  const deep = deeperThan(input, BLUEPRINT_LIMITS.depth);
  if (deep !== undefined) return [{ field: within(deep), message: `nests deeper than ${BLUEPRINT_LIMITS.depth} levels, the most a blueprint may` }];
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > BLUEPRINT_LIMITS.bytes) {
    return [{ field: within('(root)'), message: `is ${bytes.toLocaleString('en-US')} bytes as JSON; a blueprint may be at most ${BLUEPRINT_LIMITS.bytes.toLocaleString('en-US')}` }];
  }
  return mappingCountIssues(input as Record<string, unknown>, within);
}

function mappingCountIssues(blueprint: Record<string, unknown>, within: (field: string) => string): FieldIssue[] {
  const count = (holder: unknown) => {
    const mappings = holder && typeof holder === 'object' ? (holder as { mappings?: unknown }).mappings : undefined;
    return Array.isArray(mappings) ? mappings.length : 0;
  };
  const global = count(blueprint.global);
  const rules: [string, unknown][] = [['defaults', blueprint.defaults]];
  if (blueprint.events && typeof blueprint.events === 'object') for (const [key, rule] of Object.entries(blueprint.events)) rules.push([`events.${key}`, rule]);
  return rules.flatMap(([field, rule]) => {
    const total = global + count(rule);
    if (total <= BLUEPRINT_LIMITS.mappingsPerEvent) return [];
    return [{ field: within(`${field}.mappings`), message: `with global.mappings makes ${total} mappings for one event; at most ${BLUEPRINT_LIMITS.mappingsPerEvent}` }];
  });
}

/** The most a preview may ask of the mapping kit: each event's bytes times the mappings it runs through, summed. */
export const PREVIEW_MAPPING_BYTES = 32 * 1024 * 1024;

/**
 * A preview's mapping work, when it is more than PREVIEW_MAPPING_BYTES: a transform reads up to a
 * whole event each time (an object turned to text), so bytes times mappings bounds what one request
 * can make the host's thread do before it answers.
 */
export function previewWorkIssue(blueprint: Blueprint, events: readonly Record<string, unknown>[]): FieldIssue | undefined {
  let work = 0;
  for (const event of events) {
    const key = ruleKeyOf(event);
    const rule = key !== undefined && Object.hasOwn(blueprint.events, key) ? blueprint.events[key] : blueprint.defaults;
    work += Buffer.byteLength(JSON.stringify(event)) * (blueprint.global.mappings.length + rule.mappings.length);
  }
  if (work <= PREVIEW_MAPPING_BYTES) return undefined;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return { field: 'events', message: `would run ${mb(work)} of event data through the blueprint's mappings (each event's size times its mappings); a preview may run ${mb(PREVIEW_MAPPING_BYTES)}: preview fewer or smaller events` };
}
