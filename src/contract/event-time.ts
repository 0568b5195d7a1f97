import { z } from 'zod';
import { quoted } from './mapping/text.js';

/**
 * Times an event carries may be epoch milliseconds within this range: a number of seconds (a common
 * mistake) falls below it and is refused, not read as a date in 1970.
 */
export const EPOCH_MS_RANGE = { from: Date.UTC(2000, 0, 1), to: Date.UTC(2100, 0, 1) } as const;

const ISO_MESSAGE = 'must be an ISO 8601 date-time, e.g. 2026-02-25T14:30:00.000Z';
const ISO_DATE_TIME = z.iso.datetime({ offset: true });
/** UTC to the millisecond. */
const UTC_MS = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

export type TimeReading = { ok: true; iso: string } | { ok: false; reason: string };

/** One time field as UTC ISO 8601: an ISO 8601 date-time with an offset, or epoch milliseconds in range. */
export function readTime(value: unknown): TimeReading {
  if (typeof value === 'number') return readEpochMs(value);
  // As hosts stamp it: taken as it is, without the full ISO parse; the round trip refuses a day the
  // calendar lacks (Date.parse rolls 02-30 over into March).
  if (typeof value === 'string' && UTC_MS.test(value) && isoOf(Date.parse(value)) === value) return { ok: true, iso: value };
  if (typeof value !== 'string' || !ISO_DATE_TIME.safeParse(value).success) return { ok: false, reason: `${ISO_MESSAGE}, or epoch milliseconds` };
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return { ok: false, reason: `${ISO_MESSAGE} (${quoted(value)} is no date)` };
  return { ok: true, iso: date.toISOString() };
}

function isoOf(ms: number): string | undefined {
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function readEpochMs(ms: number): TimeReading {
  if (Number.isFinite(ms) && ms >= EPOCH_MS_RANGE.from && ms < EPOCH_MS_RANGE.to) return { ok: true, iso: new Date(Math.trunc(ms)).toISOString() };
  const seconds = Number.isFinite(ms) && ms * 1000 >= EPOCH_MS_RANGE.from && ms * 1000 < EPOCH_MS_RANGE.to;
  return {
    ok: false,
    reason: `as a number must be epoch milliseconds from 2000-01-01 to 2100-01-01 (${EPOCH_MS_RANGE.from} to ${EPOCH_MS_RANGE.to - 1})${seconds ? '; this looks like seconds: multiply by 1000' : ''}; or send an ISO 8601 date-time such as 2026-02-25T14:30:00.000Z`,
  };
}

/**
 * A time field of the event schema: what `readTime` reads. A bad string keeps its one message
 * (`must be an ISO 8601 date-time, …`), a bad number says the range and the way out.
 */
export const EventTimeSchema = z.union([z.string(), z.number()], { error: `${ISO_MESSAGE}, or epoch milliseconds` }).superRefine((value, ctx) => {
  const reading = readTime(value);
  if (!reading.ok) ctx.addIssue({ code: 'custom', message: typeof value === 'string' ? ISO_MESSAGE : reading.reason });
});

/** Which of the event's times became its time. */
export type TimeRule = 'timestamp' | 'originalTimestamp' | 'originalTimestamp_corrected' | 'none';

export interface EventTime {
  /** UTC ISO 8601; absent when the event has no readable time (the vendor then stamps its own). */
  time?: string;
  rule: TimeRule;
  /** Said on the event's result whenever the rule is not a plain `timestamp`. */
  note?: string;
}

interface Times {
  timestamp?: unknown;
  originalTimestamp?: unknown;
  sentAt?: unknown;
  receivedAt?: unknown;
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/**
 * When the event happened, by the Segment spec: `timestamp`, else `originalTimestamp` (the sender's
 * clock), corrected for that clock's skew when `sentAt` and `receivedAt` are both there:
 * `receivedAt − (sentAt − originalTimestamp)`. Every plugin reads its time here.
 */
export function eventTime(event: Times): EventTime {
  const notes: string[] = [];
  if (present(event.timestamp)) {
    const reading = readTime(event.timestamp);
    if (reading.ok) return { time: reading.iso, rule: 'timestamp' };
    notes.push(`timestamp ${quoted(event.timestamp)} was not read: it ${reading.reason}`);
  }
  const original = fromOriginal(event, notes);
  if (original) return { ...original, note: [...notes, original.note].join('; ') };
  notes.push(present(event.timestamp) ? 'sent without a time' : 'the event has no timestamp or originalTimestamp: sent without a time');
  return { rule: 'none', note: `${notes.join('; ')}, so the receiving end uses the time it receives it` };
}

function fromOriginal(event: Times, notes: string[]): { time: string; rule: TimeRule; note: string } | undefined {
  if (!present(event.originalTimestamp)) return undefined;
  const original = readTime(event.originalTimestamp);
  if (!original.ok) {
    notes.push(`originalTimestamp ${quoted(event.originalTimestamp)} was not read: it ${original.reason}`);
    return undefined;
  }
  const sentAt = present(event.sentAt) ? readTime(event.sentAt) : undefined;
  const receivedAt = present(event.receivedAt) ? readTime(event.receivedAt) : undefined;
  if (sentAt?.ok && receivedAt?.ok) {
    const time = new Date(Date.parse(receivedAt.iso) - (Date.parse(sentAt.iso) - Date.parse(original.iso))).toISOString();
    return { time, rule: 'originalTimestamp_corrected', note: `time from originalTimestamp ${original.iso}, corrected for the sender's clock: receivedAt ${receivedAt.iso} − (sentAt ${sentAt.iso} − originalTimestamp) = ${time}` };
  }
  const missing = [sentAt?.ok ? undefined : 'sentAt', receivedAt?.ok ? undefined : 'receivedAt'].filter(Boolean).join(' and ');
  return { time: original.iso, rule: 'originalTimestamp', note: `time from originalTimestamp ${original.iso} as sent (without a readable ${missing} the sender's clock cannot be corrected)` };
}
