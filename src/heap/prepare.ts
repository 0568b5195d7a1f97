import type { Blueprint, DeliveryResult, EventWarning } from '../contract/index.js';
import { EVENT_TYPES, eventTime, mapEvent, quoted, resultWarnings, UNSAFE_ID_MESSAGE, userKeyOf, warning } from '../contract/index.js';
import type { HeapBlueprintOptions } from './blueprint-options.js';
import { HEAP_CALLS, HEAP_LIMITS } from './constants.js';
import { contextTraits } from './context-traits.js';
import { anonymousUserId, resolveUser, unsafeIdField, userKey, type HeapUser } from './identity.js';
import { heapShaping, type HeapValue } from './properties.js';
import type { AccountPropertiesItem, MergeBody, TrackItem, UserPropertiesItem } from './wire.js';
import { oneOf } from './text.js';

/** One Heap call an event needs; an identify can need two (user properties and a merge). */
export type Part =
  | { kind: 'track'; item: TrackItem }
  | { kind: 'user'; item: UserPropertiesItem }
  | { kind: 'account'; item: AccountPropertiesItem }
  | { kind: 'merge'; body: MergeBody };

export type Prepared = { kind: 'send'; messageId: string; parts: Part[]; warnings: EventWarning[] } | { kind: 'done'; result: DeliveryResult };

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

/** One event on its way to a Heap call: mapped and shaped, its time read, its warnings so far. */
interface Mapped {
  event: Record<string, unknown>;
  messageId: string;
  vendorName: string;
  properties: Record<string, HeapValue>;
  timestamp?: string;
  warnings: EventWarning[];
  options: HeapBlueprintOptions;
}

/**
 * Everything the adapter decides before any I/O: the blueprint's mapping (the contract's kit, with
 * Heap's property shaping as its hook), the event's time, who the user is, and which Heap calls it
 * becomes. Pure, so the conformance table can pin it exactly.
 */
export function prepareEvent(raw: unknown, blueprint: Blueprint, options: HeapBlueprintOptions): Prepared {
  const event = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const messageId = typeof event.messageId === 'string' ? event.messageId : '';
  const refusal = refusalOf(event, messageId);
  if (refusal) return refusal;

  const mapped = mapEvent(blueprint, event, heapShaping(options.properties.arrays));
  if (mapped.action === 'drop') return filtered(messageId, 'not_mapped', mapped.reason, []);
  // mapEvent's warnings are this event's own: appended to, not copied.
  const warnings = mapped.warnings;
  const time = eventTime(event);
  if (time.note) warnings.push(warning('time_rule', time.note, time.rule === 'none' ? 'timestamp' : 'originalTimestamp'));
  const call: Mapped = { event, messageId, vendorName: mapped.vendorName, properties: mapped.payload, timestamp: time.time, warnings, options };

  if (call.vendorName === HEAP_CALLS.addAccountProperties) return accountCall(call);
  const user = resolveUser(event, options.identity.anonymous);
  if (user.kind === 'invalid') return failed(messageId, user.field, user.message);
  if (user.kind === 'dropped') return filtered(messageId, 'not_mapped', user.message, warnings);
  if (user.note) warnings.push(warning('placeholder_id', user.note, 'userId'));
  if (call.vendorName === HEAP_CALLS.addUserProperties) return userCall(call, user.user, user.identified);
  return trackCall(call, user.user);
}

/** Why the event cannot become any Heap call, naming the field; undefined when it can. */
function refusalOf(event: Record<string, unknown>, messageId: string): Prepared | undefined {
  if (messageId === '') return failed(messageId, 'messageId', 'must be a non-empty string: it is the idempotency key that keeps retries from counting twice');
  if (typeof event.type !== 'string' || !KNOWN_TYPES.has(event.type)) {
    return failed(messageId, 'type', `unknown event type ${quoted(event.type)}; expected ${oneOf(EVENT_TYPES)}`);
  }
  const unsafeId = unsafeIdField(event);
  if (unsafeId) return failed(messageId, unsafeId, UNSAFE_ID_MESSAGE);
  if (event.type === 'track' && (typeof event.event !== 'string' || event.event.trim() === '')) {
    return failed(messageId, 'event', 'a track event needs a non-empty event name');
  }
  return undefined;
}

function accountCall({ event, messageId, properties, warnings }: Mapped): Prepared {
  const accountId = userKey(event.groupId);
  if (accountId === undefined) return failed(messageId, 'groupId', 'is required: Heap account properties need an account_id');
  if (!hasKeys(properties)) return filtered(messageId, 'not_mapped', 'the group call carried no traits to send as account properties', warnings);
  return sending(messageId, [{ kind: 'account', item: { account_id: accountId, properties } }], warnings);
}

function userCall(call: Mapped, user: HeapUser, identified: boolean): Prepared {
  const { messageId, properties, warnings } = call;
  const parts: Part[] = [];
  const hasTraits = hasKeys(properties);
  if ('identity' in user && hasTraits) parts.push({ kind: 'user', item: { identity: user.identity, properties } });
  const merge = mergeFor(call, identified);
  if (merge) parts.push({ kind: 'merge', body: merge });
  if (parts.length > 0) return sending(messageId, parts, warnings);
  if (!('identity' in user) && hasTraits) {
    return filtered(messageId, 'unsupported', 'Heap cannot store user properties for an anonymous user: identify needs a userId', warnings);
  }
  return filtered(messageId, 'not_mapped', 'the identify call carried no traits and nothing to merge', warnings);
}

function trackCall({ event, messageId, vendorName: name, properties, timestamp, warnings, options }: Mapped, user: HeapUser): Prepared {
  if (name.trim() === '') return failed(messageId, 'event', 'the Heap event name is empty');
  if (name.length > HEAP_LIMITS.eventNameLength) return failed(messageId, 'event', `the Heap event name is ${name.length} characters; Heap accepts at most ${HEAP_LIMITS.eventNameLength}`);
  const parts: Part[] = [{ kind: 'track', item: trackItem(user, name, properties, messageId, timestamp) }];
  const traits = contextTraits(event, user, options.identity.context_traits, options.properties.arrays);
  for (const warning of traits.warnings) warnings.push(warning);
  if (traits.item) parts.push({ kind: 'user', item: traits.item });
  return sending(messageId, parts, warnings);
}

/**
 * The track item with its keys always in one order, so items share one shape (JSON.stringify's fast
 * path). An undefined timestamp is left out of the JSON, and Heap uses the time it receives the event.
 */
function trackItem(user: HeapUser, event: string, properties: Record<string, HeapValue>, idempotencyKey: string, timestamp: string | undefined): TrackItem {
  return 'identity' in user
    ? { identity: user.identity, event, properties, idempotency_key: idempotencyKey, timestamp }
    : { user_id: user.user_id, event, properties, idempotency_key: idempotencyKey, timestamp };
}

function failed(messageId: string, field: string, message: string): Prepared {
  return { kind: 'done', result: { messageId, status: 'failed', code: 'invalid_event', message: `${field}: ${message}`, warnings: [] } };
}

function filtered(messageId: string, code: 'not_mapped' | 'unsupported', message: string, warnings: EventWarning[]): Prepared {
  return { kind: 'done', result: { messageId, status: 'filtered', code, message, ...resultWarnings(warnings) } };
}

function sending(messageId: string, parts: Part[], warnings: EventWarning[]): Prepared {
  return { kind: 'send', messageId, parts, warnings };
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

/** DESIGN: an identify with both ids merges the hashed anonymous user into the identity. */
function mergeFor({ event, options, timestamp }: Mapped, identified: boolean): MergeBody | undefined {
  if (!identified || !options.identity.merge_on_identify || options.identity.anonymous !== 'user_id_hash') return undefined;
  const anonymousId = userKeyOf(event.anonymousId);
  const identity = userKeyOf(event.userId);
  if (anonymousId === undefined || identity === undefined) return undefined;
  const body: MergeBody = { user_id: anonymousUserId(anonymousId), identity };
  if (timestamp) body.timestamp = timestamp;
  return body;
}
