import { sql, type Kysely } from 'kysely';
import { BulkInsert } from './bulk-insert.js';
import { ID_CHUNK, type Engine } from './engine.js';
import type { HostDatabase } from './schema.js';

/** Rows per INSERT: well under both engines' limit on bound parameters. */
const INSERT_CHUNK = 500;

type PayloadRow = { id: number; json: string };
const payloadInsert = new BulkInsert<PayloadRow, unknown>(['id', 'json'], (db: Kysely<HostDatabase>, rows) => db.insertInto('event_payloads').values(rows));

/**
 * Events as received, each stored once under its queue row's id. The queue row and the delivery logs
 * of its attempts refer to it; whoever removes a queue row or a log, or clears a log's event, releases
 * its payload, which goes once nothing refers to it any more.
 */
export class EventPayloads {
  constructor(
    private readonly db: Kysely<HostDatabase>,
    private readonly engine: Engine,
  ) {}

  async store(rows: readonly PayloadRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await payloadInsert.run(this.db, this.engine, rows.slice(i, i + INSERT_CHUNK));
  }

  /**
   * The stored events of these ids (those that exist), by id. The ids go as one parameter (an array on
   * PostgreSQL, a JSON array on SQLite): a claim's thousand ids as Kysely list items cost more to build
   * than the read itself.
   */
  async read(ids: readonly number[]): Promise<Map<number, string>> {
    const found = new Map<number, string>();
    if (ids.length === 0) return found;
    const among =
      this.engine === 'postgres' ? sql<boolean>`id = any(${ids.map(Number)}::bigint[])` : sql<boolean>`id in (select value from json_each(${JSON.stringify(ids.map(Number))}))`;
    const rows = await this.db.selectFrom('event_payloads').select(['id', 'json']).where(among).execute();
    for (const row of rows) found.set(Number(row.id), row.json);
    return found;
  }

  /** Deletes those of these payloads that no queue row and no delivery log refers to. Answers how many went. */
  async release(ids: Iterable<number | null>): Promise<number> {
    const unique = [...new Set([...ids].filter((id): id is number => id !== null))];
    let removed = 0;
    for (let i = 0; i < unique.length; i += ID_CHUNK) {
      const result = await this.db
        .deleteFrom('event_payloads')
        .where('id', 'in', unique.slice(i, i + ID_CHUNK))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('queue').select('queue.id').whereRef('queue.id', '=', 'event_payloads.id'))))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('delivery_logs').select('delivery_logs.id').whereRef('delivery_logs.payload_id', '=', 'event_payloads.id'))))
        .executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }
}
