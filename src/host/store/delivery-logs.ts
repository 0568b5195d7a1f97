import type { Db } from './database.js';

export interface DeliveryLogEntry {
  integration_id: string;
  message_id: string;
  event_type?: string;
  event_name?: string;
  attempt: number;
  status: string;
  http_status?: number;
  code?: string;
  message?: string;
  response?: string;
  warnings: string[];
  duration_ms: number;
  created_at: string;
}

/** An entry as the API answers it: SQLite's nulls where a field was absent. */
export interface DeliveryLogRow {
  id: number;
  integration_id: string;
  message_id: string;
  event_type: string | null;
  event_name: string | null;
  attempt: number;
  status: string;
  http_status: number | null;
  code: string | null;
  message: string | null;
  response: string | null;
  warnings: string[];
  duration_ms: number;
  created_at: string;
}
type StoredRow = Omit<DeliveryLogRow, 'warnings'> & { warnings_json: string };

/** What a delivery log keeps of Heap's answer. */
export const LOGGED_RESPONSE_BYTES = 1024;

/** Per event and attempt: what happened, Heap's answer trimmed, the warnings, how long it took. */
export class DeliveryLogStore {
  private readonly insert;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO delivery_logs (integration_id, message_id, event_type, event_name, attempt, status, http_status, code, message, response, warnings_json, duration_ms, created_at)
       VALUES (@integration_id, @message_id, @event_type, @event_name, @attempt, @status, @http_status, @code, @message, @response, @warnings_json, @duration_ms, @created_at)`,
    );
  }

  append(entries: readonly DeliveryLogEntry[]): void {
    this.db.transaction(() => {
      for (const e of entries) {
        this.insert.run({
          integration_id: e.integration_id,
          message_id: e.message_id,
          event_type: e.event_type ?? null,
          event_name: e.event_name ?? null,
          attempt: e.attempt,
          status: e.status,
          http_status: e.http_status ?? null,
          code: e.code ?? null,
          message: e.message ?? null,
          response: e.response === undefined ? null : Buffer.from(e.response).subarray(0, LOGGED_RESPONSE_BYTES).toString('utf8'),
          warnings_json: JSON.stringify(e.warnings),
          duration_ms: Math.round(e.duration_ms),
          created_at: e.created_at,
        });
      }
    })();
  }

  /**
   * Deletes entries created before `cutoffIso`, oldest first in chunks, walking the primary key
   * (entries are appended in time order, so no index on the time is needed). Answers how many went.
   */
  prune(cutoffIso: string, chunk = 10_000): number {
    const remove = this.db.prepare(`DELETE FROM delivery_logs WHERE id IN (SELECT id FROM delivery_logs ORDER BY id LIMIT ?) AND created_at < ?`);
    let removed = 0;
    for (;;) {
      const { changes } = remove.run(chunk, cutoffIso);
      removed += changes;
      if (changes < chunk) return removed;
    }
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  page(integrationId: string, filter: { status?: string; messageId?: string; cursor?: number; limit: number }) {
    const where = ['integration_id = @integrationId'];
    if (filter.status) where.push('status = @status');
    if (filter.messageId) where.push('message_id = @messageId');
    if (filter.cursor !== undefined) where.push('id < @cursor');
    const rows = this.db
      .prepare(`SELECT * FROM delivery_logs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT @limit`)
      .all({ integrationId, status: filter.status, messageId: filter.messageId, cursor: filter.cursor, limit: filter.limit + 1 }) as StoredRow[];
    const page: DeliveryLogRow[] = rows.slice(0, filter.limit).map(({ warnings_json, ...row }) => ({ ...row, warnings: JSON.parse(warnings_json) as string[] }));
    return { rows: page, next: rows.length > filter.limit ? page[page.length - 1].id : undefined };
  }
}
