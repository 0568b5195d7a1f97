import type { Db } from './database.js';

export interface IntegrationRow {
  id: string;
  catalog_key: string;
  name: string;
  variant: string;
  delivery_mode: string;
  enabled: number;
  config_json: string;
  secrets_json: string;
  blueprint_json: string;
  revision: number;
  created_at: string;
  updated_at: string;
}

export interface RevisionRow {
  integration_id: string;
  revision_number: number;
  config_json: string;
  secrets_json: string;
  blueprint_json: string;
  enabled: number;
  delivery_mode: string;
  change_summary: string;
  created_at: string;
}

/** Integrations and their immutable revisions. Secrets arrive here already sealed. */
export class IntegrationStore {
  constructor(private readonly db: Db) {}

  /** Writes the integration's new state and its revision in one transaction. */
  save(row: IntegrationRow, changeSummary: string): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO integrations (id, catalog_key, name, variant, delivery_mode, enabled, config_json, secrets_json, blueprint_json, revision, created_at, updated_at)
           VALUES (@id, @catalog_key, @name, @variant, @delivery_mode, @enabled, @config_json, @secrets_json, @blueprint_json, @revision, @created_at, @updated_at)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled, config_json = excluded.config_json,
             secrets_json = excluded.secrets_json, blueprint_json = excluded.blueprint_json, revision = excluded.revision, updated_at = excluded.updated_at`,
        )
        .run(row);
      this.db
        .prepare(
          `INSERT INTO revisions (integration_id, revision_number, config_json, secrets_json, blueprint_json, enabled, delivery_mode, change_summary, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(row.id, row.revision, row.config_json, row.secrets_json, row.blueprint_json, row.enabled, row.delivery_mode, changeSummary, row.updated_at);
    })();
  }

  get(id: string): IntegrationRow | undefined {
    return this.db.prepare('SELECT * FROM integrations WHERE id = ?').get(id) as IntegrationRow | undefined;
  }

  list(): IntegrationRow[] {
    return this.db.prepare('SELECT * FROM integrations ORDER BY created_at, id').all() as IntegrationRow[];
  }

  /** Ids only: what ingestion needs per request, without opening any secret. */
  enabledIds(): string[] {
    return (this.db.prepare('SELECT id FROM integrations WHERE enabled = 1 ORDER BY created_at, id').all() as { id: string }[]).map((r) => r.id);
  }

  revisions(id: string): RevisionRow[] {
    return this.db.prepare('SELECT * FROM revisions WHERE integration_id = ? ORDER BY revision_number DESC').all(id) as RevisionRow[];
  }

  /** Removes the integration, its revisions and its queue; delivery logs stay for the record. */
  delete(id: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM queue WHERE integration_id = ?').run(id);
      this.db.prepare('DELETE FROM revisions WHERE integration_id = ?').run(id);
      return this.db.prepare('DELETE FROM integrations WHERE id = ?').run(id).changes > 0;
    })();
  }
}
