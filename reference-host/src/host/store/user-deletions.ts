import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { HostDatabase, UserDeletionTable } from './schema.js';

export type UserDeletionRow = Selectable<UserDeletionTable>;

/** GDPR/CCPA deletion requests: who asked, for which users, and how far the vendor has come. */
export class UserDeletions {
  constructor(private readonly db: Kysely<HostDatabase>) {}

  async create(row: Insertable<UserDeletionTable>): Promise<void> {
    await this.db.insertInto('user_deletions').values(row).execute();
  }

  get(integrationId: string, id: string): Promise<UserDeletionRow | undefined> {
    return this.db.selectFrom('user_deletions').selectAll().where('integration_id', '=', integrationId).where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; `cursor` is the `requested_at|id` of the last row of the previous page. */
  async page(integrationId: string, limit: number, cursor?: { requestedAt: string; id: string }): Promise<{ rows: UserDeletionRow[]; next?: string }> {
    const rows = await this.db
      .selectFrom('user_deletions')
      .selectAll()
      .where('integration_id', '=', integrationId)
      .$if(cursor !== undefined, (q) =>
        q.where((eb) => eb.or([eb('requested_at', '<', cursor!.requestedAt), eb.and([eb('requested_at', '=', cursor!.requestedAt), eb('id', '<', cursor!.id)])])),
      )
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { rows: page, next: rows.length > limit ? `${last.requested_at}|${last.id}` : undefined };
  }

  /** Requests whose status is due to be asked again. */
  due(now: number, limit: number): Promise<UserDeletionRow[]> {
    return this.db.selectFrom('user_deletions').selectAll().where('status', 'in', ['requested', 'pending']).where('next_poll_at', '<=', now).orderBy('next_poll_at').limit(limit).execute();
  }

  /**
   * Moves a request on, only if it is still where the caller saw it (`polls`): two instances polling
   * the same request at once both ask the vendor, but only one writes.
   */
  async advance(id: string, seenPolls: number, fields: Updateable<UserDeletionTable>): Promise<boolean> {
    const result = await this.db.updateTable('user_deletions').set(fields).where('id', '=', id).where('polls', '=', seenPolls).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Every user deleted in an integration, with when: events accepted before that are never sent. */
  async deletedUsers(integrationId: string): Promise<Pick<UserDeletionRow, 'identities_json' | 'anonymous_ids_json' | 'requested_at'>[]> {
    return this.db.selectFrom('user_deletions').select(['identities_json', 'anonymous_ids_json', 'requested_at']).where('integration_id', '=', integrationId).execute();
  }
}
