import type { DataflyEvent, FieldIssue } from '@datafly/heap-integration/contract';
import { fieldIssues, IncomingEventSchema, unreadFields } from '@datafly/heap-integration/contract';

/** How deep an event may nest (documented): deeper, it is refused alone, naming the field. */
export const MAX_EVENT_DEPTH = 64;

/** How missing ids are filled: ingestion uses a random UUID and the time of acceptance. */
export interface Fill {
  messageId(): string;
  timestamp(): string;
}

export type Incoming = { ok: true; event: DataflyEvent; filled: ('messageId' | 'timestamp')[]; unread: FieldIssue[] } | { ok: false; issues: FieldIssue[] };

/**
 * One event checked as ingestion checks it (a JSON object, nested at most MAX_EVENT_DEPTH, the event
 * schema), its missing `messageId` and `timestamp` filled in. The input itself becomes the event, not
 * zod's copy of it: a copy rebuilt by assignment would turn a "__proto__" key into a prototype and lose
 * it (validation has no defaults, so nothing else differs); it was parsed for this check alone, so it
 * is filled in place. Fields are named relative to the event. The command line checks with it too.
 */
export function checkIncoming(value: unknown, fill: Fill): Incoming {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, issues: [{ field: '(root)', message: 'must be a JSON object' }] };
  const tooDeep = deeperThan(value, MAX_EVENT_DEPTH);
  if (tooDeep !== undefined) return { ok: false, issues: [{ field: tooDeep, message: `holds values nested deeper than ${MAX_EVENT_DEPTH} levels of the event; flatten it or send it as a string` }] };
  const parsed = IncomingEventSchema.safeParse(value);
  if (!parsed.success) return { ok: false, issues: fieldIssues(parsed.error) };
  const event = value as DataflyEvent;
  const filled: ('messageId' | 'timestamp')[] = [];
  if (parsed.data.messageId === undefined) {
    event.messageId = fill.messageId();
    filled.push('messageId');
  }
  if (parsed.data.timestamp === undefined) {
    event.timestamp = fill.timestamp();
    filled.push('timestamp');
  }
  return { ok: true, event, filled, unread: unreadFields(value as Record<string, unknown>) };
}

/**
 * The path to the first value nested deeper than `max` (objects and arrays count a level each), or
 * undefined. Iterative, so a hostile depth cannot overflow the stack that measures it.
 */
export function deeperThan(root: object, max: number): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: root, depth: 1, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > max) return path;
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1, path: path && path.split('.').length >= 3 ? path : path ? `${path}.${key}` : key });
    }
  }
  return undefined;
}
