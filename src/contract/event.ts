import { z } from 'zod';
import { EventTimeSchema } from './event-time.js';
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

export const PageContextSchema = z
  .looseObject({
    url: z.string().optional(),
    path: z.string().optional(),
    referrer: z.string().optional(),
    title: z.string().optional(),
    search: z.string().optional(),
  })
  .nullish();

/**
 * Consent arrives flat (`{analytics: true}`) or nested (`{categories: {...}, canonical: {...}}`);
 * both shapes are accepted and read by `consentFor` (consent.ts).
 */
export const ConsentSchema = z.record(z.string(), z.unknown()).nullish();

export const EventContextSchema = z
  .looseObject({
    page: PageContextSchema,
    ip: z.string().optional(),
    userAgent: z.string().optional(),
    locale: z.string().optional(),
    campaign: JsonRecord,
    consent: ConsentSchema,
    /** The user's traits at the time of the event (Segment spec); each plugin says what it does with them. */
    traits: JsonRecord,
  })
  .nullish();

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

function checkEventRules(event: RuleFields, ctx: z.RefinementCtx) {
  // A refusal for a missing field names the misspelled key that probably holds it (`userID`).
  const hint = (...fields: string[]) =>
    misspelledFields(event as unknown as Record<string, unknown>)
      .filter(({ meant }) => fields.includes(meant))
      .map(({ key, meant }) => `; "${key}" is not an event field: did you mean "${meant}"?`)
      .join('');
  if (event.type === 'track' && (event.event === undefined || event.event.trim() === '')) {
    ctx.addIssue({ code: 'custom', path: ['event'], message: `a track event needs a non-empty event name${hint('event')}` });
  }
  if (event.type === 'group' && !hasValue(event.groupId)) {
    ctx.addIssue({ code: 'custom', path: ['groupId'], message: `a group event needs a groupId (the account it describes)${hint('groupId')}` });
  }
  if (!hasId(event.userId) && !hasId(event.anonymousId)) {
    // A placeholder that was sent is named: the sender meant an id there.
    const userPlaceholder = placeholderMessage('userId', event.userId);
    const placeholder = userPlaceholder ?? placeholderMessage('anonymousId', event.anonymousId);
    const path = userPlaceholder ? 'userId' : 'anonymousId';
    ctx.addIssue({ code: 'custom', path: [path], message: `${placeholder ? `${placeholder}: ` : ''}an event needs a userId or an anonymousId${hint('userId', 'anonymousId')}` });
  }
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
