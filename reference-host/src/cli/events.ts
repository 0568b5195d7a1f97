import type { DataflyEvent, FieldIssue } from '@datafly/heap-integration/contract';
import { describeIssues } from '@datafly/heap-integration/contract';
import { checkIncoming, type Fill } from '../common/incoming-event.js';

export type { Fill };

/** The fields ingestion fills in when an event arrives without them. */
export type FilledField = 'messageId' | 'timestamp';

export type Acceptance = { ok: true; event: DataflyEvent; filled: FilledField[]; unread: FieldIssue[] } | { ok: false; reason: string };

/** One event checked exactly as the host's ingestion checks it (the same function), its reason in one line. */
export function acceptEvent(value: unknown, fill: Fill): Acceptance {
  const checked = checkIncoming(value, fill);
  return checked.ok ? checked : { ok: false, reason: describeIssues(checked.issues).replace(/^\(root\): /, '') };
}
