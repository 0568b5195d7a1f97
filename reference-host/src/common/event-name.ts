import type { DataflyEvent } from '@datafly/heap-integration/contract';

/** The name an operator searches for: a track event's name or a page's name (identify and group have none). */
export function eventName(event: DataflyEvent): string | undefined {
  if (event.type === 'track' && typeof event.event === 'string') return event.event;
  if (event.type === 'page' && typeof event.name === 'string' && event.name !== '') return event.name;
  return undefined;
}
