import type { DataflyEvent } from '@datafly/heap-integration/contract';
import type { Store } from '../store/store.js';

type Matcher = (event: Pick<DataflyEvent, 'userId' | 'anonymousId'>, acceptedAt: number) => boolean;

/**
 * Which users of an integration were deleted, and when: an event accepted before its user's deletion
 * is never sent, whether it waited in the queue, was in flight, or comes back from a retry. Read
 * from the store (every instance sees every deletion), kept for a few seconds per integration.
 */
export class DeletedUsers {
  private readonly cache = new Map<string, { readAt: number; matcher: Matcher }>();

  constructor(
    private readonly store: Store,
    private readonly clock: () => number,
    private readonly ttlMs = 5000,
  ) {}

  async matcher(integrationId: string): Promise<Matcher> {
    const cached = this.cache.get(integrationId);
    const now = this.clock();
    if (cached && now - cached.readAt < this.ttlMs) return cached.matcher;
    const rows = await this.store.deletions.deletedUsers(integrationId);
    const until = new Map<string, number>();
    const note = (key: string, at: number) => until.set(key, Math.max(until.get(key) ?? 0, at));
    for (const row of rows) {
      const at = Date.parse(row.requested_at);
      for (const id of JSON.parse(row.identities_json) as string[]) note(`u:${id}`, at);
      for (const id of JSON.parse(row.anonymous_ids_json) as string[]) note(`a:${id}`, at);
    }
    const matcher: Matcher =
      until.size === 0
        ? () => false
        : (event, acceptedAt) => {
            const byUser = event.userId === undefined || event.userId === null ? undefined : until.get(`u:${String(event.userId)}`);
            const byAnonymous = event.anonymousId === undefined || event.anonymousId === null ? undefined : until.get(`a:${String(event.anonymousId)}`);
            return (byUser !== undefined && acceptedAt <= byUser) || (byAnonymous !== undefined && acceptedAt <= byAnonymous);
          };
    this.cache.set(integrationId, { readAt: now, matcher });
    return matcher;
  }

  /** A deletion was just requested here: read again at the next batch. */
  forget(integrationId: string): void {
    this.cache.delete(integrationId);
  }
}
