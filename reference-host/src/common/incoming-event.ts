import type { DataflyEvent, FieldIssue } from '@datafly/heap-integration/contract';
import { deeperThan, fieldIssues, IncomingEventSchema, surelyIncomingEvent, unreadFields } from '@datafly/heap-integration/contract';

/** How deep an event may nest (documented): deeper, it is refused alone, naming the field. */
export const MAX_EVENT_DEPTH = 64;

/** How missing ids are filled: ingestion uses a random UUID and the time of acceptance. */
export interface Fill {
  messageId(): string;
  /** For an event with no time of its own (neither `timestamp` nor `originalTimestamp`). */
  timestamp(): string;
  /**
   * When the event arrived, for an event that has only the sender's clock (`originalTimestamp` and
   * `sentAt`): with it, a plugin corrects that clock's skew. Only a live receiver knows it; a file
   * read later does not, and leaves it out.
   */
  receivedAt?(): string;
}

export type Incoming = { ok: true; event: DataflyEvent; filled: ('messageId' | 'timestamp')[]; unread: FieldIssue[] } | { ok: false; issues: FieldIssue[] };

/**
 * One event checked as ingestion checks it (a JSON object, nested at most MAX_EVENT_DEPTH, the event
 * schema), its missing `messageId` and `timestamp` filled in: `timestamp` only when the event has no
 * time at all, so an `originalTimestamp` is never hidden behind the time of acceptance (the contract's
 * `eventTime` reads it, skew-corrected with `receivedAt`, stamped here when missing). The input
 * itself becomes the event, not zod's copy of it: a copy rebuilt by assignment would turn a "__proto__"
 * key into a prototype and lose it (validation has no defaults, so nothing else differs); it was parsed
 * for this check alone, so it is filled in place. Fields are named relative to the event. The command
 * line checks with it too.
 */
export function checkIncoming(value: unknown, fill: Fill, known: { shallow?: boolean } = {}): Incoming {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, issues: [{ field: '(root)', message: 'must be a JSON object' }] };
  // `shallow`: the caller knows the value nests at most MAX_EVENT_DEPTH (its whole body did), so the walk is skipped.
  const tooDeep = known.shallow ? undefined : deeperThan(value, MAX_EVENT_DEPTH);
  if (tooDeep !== undefined) return { ok: false, issues: [{ field: tooDeep, message: `holds values nested deeper than ${MAX_EVENT_DEPTH} levels of the event; flatten it or send it as a string` }] };
  // Zod is asked only when the quick check cannot vouch for the event: it alone words the refusals.
  if (!surelyIncomingEvent(value)) {
    const parsed = IncomingEventSchema.safeParse(value);
    if (!parsed.success) return { ok: false, issues: fieldIssues(parsed.error) };
  }
  // What zod took is the input's own fields (no defaults, no transforms): they are read from it.
  const event = value as DataflyEvent;
  const filled: ('messageId' | 'timestamp')[] = [];
  if (event.messageId === undefined) {
    event.messageId = fill.messageId();
    filled.push('messageId');
  }
  if (event.timestamp === undefined && event.originalTimestamp === undefined) {
    event.timestamp = fill.timestamp();
    filled.push('timestamp');
  } else if (event.timestamp === undefined && event.sentAt !== undefined && event.receivedAt === undefined && fill.receivedAt) {
    event.receivedAt = fill.receivedAt();
  }
  return { ok: true, event, filled, unread: unreadFields(value as Record<string, unknown>) };
}
