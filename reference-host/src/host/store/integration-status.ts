import type { Kysely, Selectable } from 'kysely';
import type { HostDatabase, IntegrationStatusTable } from './schema.js';

export type IntegrationStatusRow = Selectable<IntegrationStatusTable>;

/**
 * What delivery learned about each integration, shared by every instance: paused by an
 * installation-level failure (held until the config changes or a connection test passes), or
 * backing off while the vendor looks down.
 */
export class IntegrationStatusRepository {
  constructor(private readonly db: Kysely<HostDatabase>) {}

  list(): Promise<IntegrationStatusRow[]> {
    return this.db.selectFrom('integration_status').selectAll().execute();
  }

  get(id: string): Promise<IntegrationStatusRow | undefined> {
    return this.db.selectFrom('integration_status').selectAll().where('integration_id', '=', id).executeTakeFirst();
  }

  /** Pauses delivery; answers whether it was running until now (so the pause is logged once). */
  async pause(id: string, code: string, message: string, now: number): Promise<boolean> {
    const before = await this.get(id);
    await this.upsert(id, { paused_code: code, paused_message: message, paused_at: before?.paused_code ? before.paused_at : now, updated_at: now });
    return !before?.paused_code;
  }

  /** Resumes delivery and forgets any backoff; answers whether it was paused. */
  async resume(id: string, now: number): Promise<boolean> {
    const before = await this.get(id);
    if (!before) return false;
    await this.upsert(id, { paused_code: null, paused_message: null, paused_at: null, backoff_until: 0, consecutive_failures: 0, failing_since: null, failure_code: null, failure_message: null, updated_at: now });
    return before.paused_code !== null;
  }

  /** The vendor failed a whole batch: no instance claims before `until`. `since`: when the run of failures began. */
  async backOff(id: string, backoff: { until: number; failures: number; since: number; code: string; message: string }, now: number): Promise<void> {
    await this.upsert(id, { backoff_until: backoff.until, consecutive_failures: backoff.failures, failing_since: backoff.since, failure_code: backoff.code, failure_message: backoff.message, updated_at: now });
  }

  /** A batch went through: the vendor is back. */
  async recovered(id: string, now: number): Promise<void> {
    await this.db.updateTable('integration_status').set({ backoff_until: 0, consecutive_failures: 0, failing_since: null, failure_code: null, failure_message: null, updated_at: now }).where('integration_id', '=', id).where('consecutive_failures', '>', 0).execute();
  }

  private async upsert(id: string, fields: Partial<Omit<IntegrationStatusRow, 'integration_id'>> & { updated_at: number }): Promise<void> {
    await this.db
      .insertInto('integration_status')
      .values({ integration_id: id, paused_code: null, paused_message: null, paused_at: null, backoff_until: 0, consecutive_failures: 0, failing_since: null, failure_code: null, failure_message: null, ...fields })
      .onConflict((oc) => oc.column('integration_id').doUpdateSet(fields))
      .execute();
  }
}
