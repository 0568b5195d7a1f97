import { z } from 'zod';
import { nearest, type FieldIssue } from './validation.js';

/** Event types a host knows; a plugin still defends against others at run time. */
export const EVENT_TYPES = ['track', 'page', 'identify', 'group'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const JsonRecord = z.record(z.string(), z.unknown());

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

export const PageContextSchema = z.looseObject({
  url: z.string().optional(),
  path: z.string().optional(),
  referrer: z.string().optional(),
  title: z.string().optional(),
  search: z.string().optional(),
});

/**
 * Consent arrives flat (`{analytics: true}`) or nested (`{categories: {...}, canonical: {...}}`);
 * both shapes are accepted and read by `consentGranted`.
 */
export const ConsentSchema = z.record(z.string(), z.unknown());

export const EventContextSchema = z.looseObject({
  page: PageContextSchema.optional(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
  locale: z.string().optional(),
  campaign: JsonRecord.optional(),
  consent: ConsentSchema.optional(),
});

const ISO_TIMESTAMP = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-02-25T14:30:00.000Z' });

const eventShape = {
  type: z.enum(EVENT_TYPES, { message: `must be one of ${EVENT_TYPES.join(', ')}` }),
  event: z.string().optional(),
  name: z.string().nullish(),
  properties: JsonRecord.optional(),
  traits: JsonRecord.optional(),
  userId: UserKey.nullish(),
  anonymousId: UserKey.nullish(),
  groupId: UserKey.nullish(),
  context: EventContextSchema.optional(),
  messageId: z.string().min(1, 'must be a non-empty string').max(255, 'must be at most 255 characters'),
  timestamp: ISO_TIMESTAMP,
};

/** The top-level fields an event's schema reads. */
const EVENT_FIELDS: readonly string[] = Object.keys(eventShape);
/** Those, and the other top-level fields of the Segment spec (passed through untouched): never taken for typos. */
const KNOWN_FIELDS = new Set([...EVENT_FIELDS, 'sentAt', 'receivedAt', 'originalTimestamp', 'channel', 'integrations', 'version', 'writeKey', 'category', 'previousId', 'options', '_metadata']);

/**
 * Top-level keys that look like a misspelled event field (`propertes`, `trait`, `userID`): nothing
 * reads them, so the data in them would reach no destination while the event looks accepted. The
 * event is kept as sent (a destination may want any field); the key is named with the field it
 * probably meant. A key unlike every field is someone's own and is left alone.
 */
export function unreadFields(event: Record<string, unknown>): FieldIssue[] {
  return Object.keys(event).flatMap((key) => {
    if (KNOWN_FIELDS.has(key)) return [];
    const meant = nearest(key, EVENT_FIELDS);
    return meant ? [{ field: key, message: `is not an event field, so nothing reads it; did you mean "${meant}"? (the event was kept as sent)` }] : [];
  });
}

function checkEventRules(event: { type: string; event?: string; userId?: unknown; anonymousId?: unknown; groupId?: unknown }, ctx: z.RefinementCtx) {
  if (event.type === 'track' && (event.event === undefined || event.event.trim() === '')) {
    ctx.addIssue({ code: 'custom', path: ['event'], message: 'a track event needs a non-empty event name' });
  }
  if (event.type === 'group' && !hasValue(event.groupId)) {
    ctx.addIssue({ code: 'custom', path: ['groupId'], message: 'a group event needs a groupId (the account it describes)' });
  }
  if (!hasValue(event.userId) && !hasValue(event.anonymousId)) {
    ctx.addIssue({ code: 'custom', path: ['anonymousId'], message: 'an event needs a userId or an anonymousId' });
  }
}

function hasValue(v: unknown): boolean {
  return v !== undefined && v !== null && String(v).trim() !== '';
}

/** The canonical event as a plugin receives it: ids and timestamp always present. */
export const DataflyEventSchema = z.looseObject(eventShape).superRefine(checkEventRules);
export type DataflyEvent = z.infer<typeof DataflyEventSchema>;

/** The canonical event as a host accepts it: `messageId` and `timestamp` are filled in when missing. */
export const IncomingEventSchema = z
  .looseObject({ ...eventShape, messageId: eventShape.messageId.optional(), timestamp: ISO_TIMESTAMP.optional() })
  .superRefine(checkEventRules);
export type IncomingEvent = z.infer<typeof IncomingEventSchema>;
