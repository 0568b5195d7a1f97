import { sql, type Kysely, type Selectable } from 'kysely';
import type { Engine } from './engine.js';
import type { EventPayloads } from './event-payloads.js';
import type { HostDatabase, IntegrationTable, RevisionTable } from './schema.js';

export type IntegrationRow = Selectable<IntegrationTable>;
export type RevisionRow = Selectable<RevisionTable>;

/** What every instance polls to notice changes made elsewhere: cheap, no secret opened. */
export interface IntegrationVersion {
  id: string;
  revision: number;
  enabled: number;
}

/** Where ingestion sends events: what the store holds at the moment they are committed. */
export interface Routes {
  enabled: string[];
  disabled: number;
}

/**
 * PostgreSQL advisory lock (an arbitrary constant of ours) between routing and changes of what takes
 * events: ingestion holds it shared while it routes and commits, an install, edit or delete holds it
 * exclusively. So an event committed after a change answered was routed by that change, on every
 * instance, and a delete never leaves rows behind for the integration it removed.
 */
const ROUTING_LOCK = 0x6461746166 /* "dataf" */;

/** Integrations and their immutable revisions. Secrets arrive here already sealed. */
export class IntegrationRepository {
  constructor(
    private readonly db: Kysely<HostDatabase>,
    private readonly engine: Engine,
    private readonly payloads: EventPayloads,
  ) {}

  /**
   * The integrations that take events, read inside the caller's transaction (ingestion's) under the
   * shared routing lock. SQLite needs no lock: one connection runs one transaction at a time.
   */
  async routes(): Promise<Routes> {
    if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock_shared(${ROUTING_LOCK})`.execute(this.db);
    const rows = await this.db.selectFrom('integrations').select(['id', 'enabled']).execute();
    const enabled = rows.filter((r) => Number(r.enabled) === 1).map((r) => r.id);
    return { enabled, disabled: rows.length - enabled.length };
  }

  /** Waits until no ingestion is routing, and keeps routing out until the caller's transaction ends. */
  private async lockRouting(): Promise<void> {
    if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(${ROUTING_LOCK})`.execute(this.db);
  }

  /** The sealed value every instance's secret key must open, once one instance has written it. */
  async keyCheck(): Promise<string | undefined> {
    return (await this.db.selectFrom('secret_key_check').select('sealed').where('id', '=', 1).executeTakeFirst())?.sealed;
  }

  /** Writes the key check unless another instance wrote one first (theirs stays). */
  async putKeyCheck(sealed: string, now: string): Promise<void> {
    await this.db.insertInto('secret_key_check').values({ id: 1, sealed, created_at: now }).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  /** The sealed secrets of one integration: a database written before the key check is checked with these. */
  async anySealedSecrets(): Promise<string | undefined> {
    return (await this.db.selectFrom('integrations').select('secrets_json').where('secrets_json', '!=', '{}').limit(1).executeTakeFirst())?.secrets_json;
  }

  /** The integration's new state and its revision; run inside the caller's transaction. */
  async save(row: IntegrationRow, changeSummary: string): Promise<void> {
    await this.lockRouting();
    const { id: _id, created_at: _c, catalog_key: _k, variant: _v, delivery_mode: _d, ...changed } = row;
    await this.db.insertInto('integrations').values(row).onConflict((oc) => oc.column('id').doUpdateSet(changed)).execute();
    await this.db
      .insertInto('revisions')
      .values({
        integration_id: row.id,
        revision_number: row.revision,
        config_json: row.config_json,
        secrets_json: row.secrets_json,
        blueprint_json: row.blueprint_json,
        enabled: row.enabled,
        delivery_mode: row.delivery_mode,
        change_summary: changeSummary,
        created_at: row.updated_at,
        name: row.name,
      })
      .execute();
  }

  get(id: string): Promise<IntegrationRow | undefined> {
    return this.db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(): Promise<IntegrationRow[]> {
    return this.db.selectFrom('integrations').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  versions(): Promise<IntegrationVersion[]> {
    return this.db.selectFrom('integrations').select(['id', 'revision', 'enabled']).execute();
  }

  /** Revisions newest first, `limit` at a time, below revision `before` when given; `next` is the cursor of the following page. */
  async revisions(id: string, page: { before?: number; limit: number }): Promise<{ rows: RevisionRow[]; next?: number }> {
    let query = this.db.selectFrom('revisions').selectAll().where('integration_id', '=', id);
    if (page.before !== undefined) query = query.where('revision_number', '<', page.before);
    const rows = await query.orderBy('revision_number', 'desc').limit(page.limit + 1).execute();
    return rows.length > page.limit ? { rows: rows.slice(0, page.limit), next: rows[page.limit - 1].revision_number } : { rows };
  }

  revision(id: string, revisionNumber: number): Promise<RevisionRow | undefined> {
    return this.db.selectFrom('revisions').selectAll().where('integration_id', '=', id).where('revision_number', '=', revisionNumber).executeTakeFirst();
  }

  /** Removes the integration, its revisions, status and queue (dead letters too); delivery logs (and the payloads they refer to) stay until retention. */
  async delete(id: string): Promise<boolean> {
    await this.lockRouting();
    const queued = await this.db.deleteFrom('queue').where('integration_id', '=', id).returning('id').execute();
    await this.payloads.release(queued.map((row) => Number(row.id)));
    await this.db.deleteFrom('revisions').where('integration_id', '=', id).execute();
    await this.db.deleteFrom('integration_status').where('integration_id', '=', id).execute();
    const result = await this.db.deleteFrom('integrations').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
