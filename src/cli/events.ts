import type { DataflyEvent } from '../contract/index.js';
import { describeIssues, fieldIssues, IncomingEventSchema } from '../contract/index.js';
import { deeperThan, MAX_EVENT_DEPTH } from '../host/ingest.js';

/** The fields ingestion fills in when an event arrives without them. */
export type FilledField = 'messageId' | 'timestamp';

export type Acceptance = { ok: true; event: DataflyEvent; filled: FilledField[] } | { ok: false; reason: string };

/** How missing fields are filled: ingestion uses a random UUID and the time of acceptance. */
export interface Fill {
  messageId(): string;
  timestamp(): string;
}

/**
 * One event checked as the host's ingestion checks it (a JSON object, not nested past the host's
 * limit, the host's event schema), with `messageId` and `timestamp` filled in when missing. The
 * input itself becomes the event, not zod's copy, as ingestion keeps it.
 */
export function acceptEvent(value: unknown, fill: Fill): Acceptance {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'must be a JSON object' };
  const tooDeep = deeperThan(value, MAX_EVENT_DEPTH);
  if (tooDeep !== undefined) return { ok: false, reason: `${tooDeep}: nests deeper than ${MAX_EVENT_DEPTH} levels; flatten it or send it as a string` };
  const parsed = IncomingEventSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: describeIssues(fieldIssues(parsed.error)) };
  // The value was parsed for this check alone, so the missing fields are filled in place, as ingestion fills them.
  const event = value as DataflyEvent;
  const filled: FilledField[] = [];
  if (parsed.data.messageId === undefined) {
    event.messageId = fill.messageId();
    filled.push('messageId');
  }
  if (parsed.data.timestamp === undefined) {
    event.timestamp = fill.timestamp();
    filled.push('timestamp');
  }
  return { ok: true, event, filled };
}
