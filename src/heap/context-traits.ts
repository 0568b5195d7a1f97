import type { EventWarning } from '../contract/index.js';
import { ownValue, warning } from '../contract/index.js';
import type { ArrayMode, ContextTraitsMode } from './blueprint-options.js';
import type { HeapUser } from './identity.js';
import { shapeProperties } from './properties.js';
import type { UserPropertiesItem } from './wire.js';

/**
 * What becomes of an event's `context.traits` (the user's traits at the time of the event, which
 * mobile libraries send with every event) when Heap records the event as a track event: the user's
 * properties beside the event, or a warning that says why they were not sent. Pure.
 */
export function contextTraits(event: Record<string, unknown>, user: HeapUser, mode: ContextTraitsMode, arrays: ArrayMode): { item?: UserPropertiesItem; warnings: EventWarning[] } {
  const traits = traitsOf(event);
  if (!traits) return { warnings: [] };
  if (mode === 'ignore') return { warnings: [warning('traits_not_sent', 'context.traits were not sent: the blueprint sets options.identity.context_traits to "ignore"', 'context.traits')] };
  if (!('identity' in user)) {
    return { warnings: [warning('traits_not_sent', 'context.traits were not sent: Heap keeps user properties for identified users only, and the event has no userId', 'context.traits')] };
  }
  const shaped = shapeProperties(traits, arrays, 'user');
  const warnings = shaped.warnings.map((w) => warning(w.code, `context.traits: ${w.message}`, `context.traits.${w.property ?? ''}`));
  return hasKeys(shaped.properties) ? { item: { identity: user.identity, properties: shaped.properties }, warnings } : { warnings };
}

/**
 * Whether the event's context.traits go to Heap as an add_user_properties call (as contextTraits sends
 * them, unless shaping leaves no property), without shaping them: what the rate limits count.
 */
export function sendsContextTraits(event: Record<string, unknown>, user: HeapUser, mode: ContextTraitsMode): boolean {
  return mode === 'user_properties' && 'identity' in user && traitsOf(event) !== undefined;
}

/** The event's context.traits when they are a record with at least one key. */
function traitsOf(event: Record<string, unknown>): object | undefined {
  const traits = ownValue(ownValue(event, 'context'), 'traits');
  return traits && typeof traits === 'object' && !Array.isArray(traits) && hasKeys(traits) ? traits : undefined;
}

function hasKeys(record: object): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}
