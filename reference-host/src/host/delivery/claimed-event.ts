import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { eventName } from '../../common/event-name.js';
import type { QueuedEvent } from '../store/queue.js';

/**
 * A claimed event as its batch keeps it while the vendor answers: what the settle, the logs and the
 * counts need of it, without the event itself. A batch lets go of its parsed events once the plugin
 * has planned them: they are most of what it holds, and released then they die young instead of being
 * copied by every collection that runs while the vendor answers.
 */
export interface ClaimedEvent {
  id: number;
  messageId: string;
  attempts: number;
  acceptedAt: number;
  type: string | undefined;
  /** The name an operator searches for (see eventName). */
  name: string | undefined;
  userId: DataflyEvent['userId'];
  anonymousId: DataflyEvent['anonymousId'];
}

export function claimedEvent(queued: QueuedEvent): ClaimedEvent {
  const { event } = queued;
  return {
    id: queued.id,
    messageId: queued.messageId,
    attempts: queued.attempts,
    acceptedAt: queued.acceptedAt,
    type: typeof event.type === 'string' ? event.type : undefined,
    name: eventName(event),
    userId: event.userId,
    anonymousId: event.anonymousId,
  };
}
