import { z } from 'zod';
import { EventTimeSchema, readTime } from './event-time.js';
import { idText, isPlaceholderId, placeholderMessage } from './ids.js';
import { nearest, type FieldIssue } from './validation.js';

/**
 * Event types a host knows (the Segment spec's, `alias` aside); a plugin still defends against others at
 * run time. `screen` is the mobile app's `page`. The one list: hosts, plugins and the catalog follow it.
 */
export const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'group'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * A JSON object field. Null is taken as absent (some libraries send `properties: null` for none), and
 * the mapping kit says so on the event when a blueprint reads through it.
 */
const JsonRecord = z.record(z.string(), z.unknown()).nullish();

/** The event's object fields that a null may stand in for: read as absent, never a refusal. */
export const EVENT_OBJECTS: ReadonlySet<string> = new Set(['properties', 'traits', 'context', 'context.page', 'context.campaign', 'context.consent', 'context.traits']);

/** Why a number past 2^53 cannot be a user key; hosts and plugins refuse it in these words. */
export const UNSAFE_ID_MESSAGE = 'is a number beyond 2^53, which JSON cannot carry exactly (digits were already lost); send the id as a string';

/**
 * A user key: the collector sends strings, server-side sources sometimes numbers. A number past 2^53
 * has already lost digits when it was parsed (12345678901234567890 reads as ...7000), and two users
 * would become one: refused, with the way out.
 */
const UserKey = z.union([
  z.string(),
  z
    .number()
    .finite()
    .refine((n) => Math.abs(n) <= Number.MAX_SAFE_INTEGER, { message: UNSAFE_ID_MESSAGE }),
]);

const pageShape = {
  url: z.string().optional(),
  path: z.string().optional(),
  referrer: z.string().optional(),
  title: z.string().optional(),
  search: z.string().optional(),
};
export const PageContextSchema = z.looseObject(pageShape).nullish();

/**
 * Consent arrives flat (`{analytics: true}`) or nested (`{categories: {...}, canonical: {...}}`);
 * both shapes are accepted and read by `consentFor` (consent.ts).
 */
export const ConsentSchema = z.record(z.string(), z.unknown()).nullish();

const contextShape = {
  page: PageContextSchema,
  ip: z.string().optional(),
  userAgent: z.string().optional(),
  locale: z.string().optional(),
  campaign: JsonRecord,
  consent: ConsentSchema,
  /** The user's traits at the time of the event (Segment spec); each plugin says what it does with them. */
  traits: JsonRecord,
};
export const EventContextSchema = z.looseObject(contextShape).nullish();

const eventShape = {
  type: z.enum(EVENT_TYPES, { message: `must be one of ${EVENT_TYPES.join(', ')}` }),
  event: z.string().optional(),
  name: z.string().nullish(),
  properties: JsonRecord,
  traits: JsonRecord,
  userId: UserKey.nullish(),
  anonymousId: UserKey.nullish(),
  groupId: UserKey.nullish(),
  context: EventContextSchema,
  messageId: z.string().min(1, 'must be a non-empty string').max(255, 'must be at most 255 characters'),
  /** When it happened; read with `eventTime`, which falls back to `originalTimestamp`. */
  timestamp: EventTimeSchema.optional(),
  /** The sender's clock at the event, and when it sent and the host received it (Segment spec). */
  originalTimestamp: EventTimeSchema.optional(),
  sentAt: EventTimeSchema.optional(),
  receivedAt: EventTimeSchema.optional(),
};

/** The top-level fields an event's schema reads. */
const EVENT_FIELDS: readonly string[] = Object.keys(eventShape);
/** Those, and the other top-level fields of the Segment spec (passed through untouched): never taken for typos. */
const KNOWN_FIELDS = new Set([...EVENT_FIELDS, 'channel', 'integrations', 'version', 'writeKey', 'category', 'previousId', 'options', '_metadata']);

/** Top-level keys that look like a misspelled event field, each with the field it probably meant. */
function misspelledFields(event: Record<string, unknown>): { key: string; meant: string }[] {
  return Object.keys(event).flatMap((key) => {
    if (KNOWN_FIELDS.has(key)) return [];
    const meant = nearest(key, EVENT_FIELDS);
    return meant ? [{ key, meant }] : [];
  });
}

/**
 * Top-level keys that look like a misspelled event field (`propertes`, `trait`, `userID`): nothing
 * reads them, so the data in them would reach no destination while the event looks accepted. The
 * event is kept as sent (a destination may want any field); the key is named with the field it
 * probably meant. A key unlike every field is someone's own and is left alone.
 */
export function unreadFields(event: Record<string, unknown>): FieldIssue[] {
  return misspelledFields(event).map(({ key, meant }) => ({ field: key, message: `is not an event field, so nothing reads it; did you mean "${meant}"? (the event was kept as sent)` }));
}

interface RuleFields {
  type: string;
  event?: string;
  userId?: unknown;
  anonymousId?: unknown;
  groupId?: unknown;
}

/** The event's rules across fields, each broken one as the field it names and why; none for an event that keeps them. */
function eventRuleIssues(event: RuleFields): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  // A refusal for a missing field names the misspelled key that probably holds it (`userID`).
  const hint = (...fields: string[]) =>
    misspelledFields(event as unknown as Record<string, unknown>)
      .filter(({ meant }) => fields.includes(meant))
      .map(({ key, meant }) => `; "${key}" is not an event field: did you mean "${meant}"?`)
      .join('');
  if (event.type === 'track' && (typeof event.event !== 'string' || event.event.trim() === '')) {
    issues.push({ field: 'event', message: `a track event needs a non-empty event name${hint('event')}` });
  }
  if (event.type === 'group' && !hasValue(event.groupId)) {
    issues.push({ field: 'groupId', message: `a group event needs a groupId (the account it describes)${hint('groupId')}` });
  }
  if (!hasId(event.userId) && !hasId(event.anonymousId)) {
    // A placeholder that was sent is named: the sender meant an id there.
    const userPlaceholder = placeholderMessage('userId', event.userId);
    const placeholder = userPlaceholder ?? placeholderMessage('anonymousId', event.anonymousId);
    const field = userPlaceholder ? 'userId' : 'anonymousId';
    issues.push({ field, message: `${placeholder ? `${placeholder}: ` : ''}an event needs a userId or an anonymousId${hint('userId', 'anonymousId')}` });
  }
  return issues;
}

function checkEventRules(event: RuleFields, ctx: z.RefinementCtx) {
  for (const { field, message } of eventRuleIssues(event)) ctx.addIssue({ code: 'custom', path: [field], message });
}

/** An id standing for a user: present and no placeholder (a number past 2^53 is refused by its own rule). */
function hasId(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  const text = idText(v);
  return text === undefined || !isPlaceholderId(text);
}

function hasValue(v: unknown): boolean {
  return v !== undefined && v !== null && String(v).trim() !== '';
}

/** An event a plugin receives has a time: its own `timestamp`, or an `originalTimestamp` to read it from. */
function checkDeliveredTime(event: { timestamp?: unknown; originalTimestamp?: unknown }, ctx: z.RefinementCtx) {
  if (event.timestamp === undefined && event.originalTimestamp === undefined) {
    ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'is required (or an originalTimestamp)' });
  }
}

/** The canonical event as a plugin receives it: a messageId, a real id, and a time (read it with `eventTime`). */
export const DataflyEventSchema = z
  .looseObject(eventShape)
  .superRefine(checkEventRules)
  .superRefine(checkDeliveredTime);
export type DataflyEvent = z.infer<typeof DataflyEventSchema>;

/**
 * The canonical event as a host accepts it: `messageId` is filled in when missing, and `timestamp`
 * when the event has no time at all (an `originalTimestamp` is never hidden by the host's clock).
 */
export const IncomingEventSchema = z.looseObject({ ...eventShape, messageId: eventShape.messageId.optional() }).superRefine(checkEventRules);
export type IncomingEvent = z.infer<typeof IncomingEventSchema>;

/** A check of one field that answers true only for values its zod schema takes; false means "ask zod". */
type FieldCheck = (value: unknown) => boolean;
type ShapeChecks<Shape> = { readonly [K in keyof Shape]: FieldCheck };

/**
 * What zod's `z.record` and `z.looseObject` take, narrowed to the objects JSON.parse builds: their
 * prototype is Object's, no own `constructor` (zod reads it to tell a plain object), no symbol keys.
 */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    !Object.prototype.hasOwnProperty.call(value, 'constructor') &&
    Object.getOwnPropertySymbols(value).length === 0
  );
}

const optionalString: FieldCheck = (v) => v === undefined || typeof v === 'string';
const nullishRecord: FieldCheck = (v) => v === undefined || v === null || isJsonObject(v);
const nullishUserKey: FieldCheck = (v) => v === undefined || v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER);
const optionalTime: FieldCheck = (v) => v === undefined || ((typeof v === 'string' || typeof v === 'number') && readTime(v).ok);

/** Every field of a shape checked; keys beside them are taken as they are (loose objects). */
function takesShape<Shape>(checks: ShapeChecks<Shape>): FieldCheck {
  const keys = Object.keys(checks);
  const fieldChecks = Object.values(checks) as FieldCheck[];
  return (v) => {
    if (v === undefined || v === null) return true;
    if (!isJsonObject(v)) return false;
    for (let i = 0; i < keys.length; i++) if (!fieldChecks[i](v[keys[i]])) return false;
    return true;
  };
}

// One check per field of each shape: a field added to a shape does not compile until it has its check
// here, and a field whose schema changes needs its check changed (reference-host's incoming-event test
// holds the two together over generated events).
const PAGE_CHECKS: ShapeChecks<typeof pageShape> = { url: optionalString, path: optionalString, referrer: optionalString, title: optionalString, search: optionalString };
const CONTEXT_CHECKS: ShapeChecks<typeof contextShape> = {
  page: takesShape(PAGE_CHECKS),
  ip: optionalString,
  userAgent: optionalString,
  locale: optionalString,
  campaign: nullishRecord,
  consent: nullishRecord,
  traits: nullishRecord,
};
const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
const INCOMING_CHECKS: ShapeChecks<typeof eventShape> = {
  type: (v) => typeof v === 'string' && TYPES.has(v),
  event: optionalString,
  name: (v) => v === undefined || v === null || typeof v === 'string',
  properties: nullishRecord,
  traits: nullishRecord,
  userId: nullishUserKey,
  anonymousId: nullishUserKey,
  groupId: nullishUserKey,
  context: takesShape(CONTEXT_CHECKS),
  // UTF-16 units: never fewer than the characters zod counts, so within these bounds zod's are kept.
  messageId: (v) => v === undefined || (typeof v === 'string' && v.length >= 1 && v.length <= 255),
  timestamp: optionalTime,
  originalTimestamp: optionalTime,
  sentAt: optionalTime,
  receivedAt: optionalTime,
};
const takesIncomingShape = takesShape(INCOMING_CHECKS);

/**
 * Whether `IncomingEventSchema` certainly takes `value`, answered without zod (which builds a copy of
 * every object it checks, properties and products included, and costs most of what ingestion spends on
 * an event). It answers true only for a JSON object whose every field its schema above takes and that
 * keeps the event's rules (the same function zod's refinement calls); anything else, unusual or wrong,
 * is false and goes to zod, which stays the one word on what is refused and why.
 */
export function surelyIncomingEvent(value: unknown): boolean {
  return value !== undefined && value !== null && takesIncomingShape(value) && eventRuleIssues(value as RuleFields).length === 0;
}
