import type { Insertable, Kysely, Selectable } from 'kysely';
import type { DataflyEvent, DeliveryCode, DeliveryStatus, SentCall } from '@datafly/heap-integration/contract';
import { BulkInsert } from './bulk-insert.js';
import type { EventPayloads } from './event-payloads.js';
import { ID_CHUNK, type Engine } from './engine.js';
import type { DeliveryLogTable, HostDatabase } from './schema.js';

/**
 * Outcomes the overview counts per minute, each attempt once by how it ended: delivered, filtered,
 * retryable (tried again later), failed (refused for good), dead (ran out of attempts or of the
 * retry window). Failed and dead both go to the dead letters; an event's last count is its final state.
 */
export const COUNTED_OUTCOMES = ['delivered', 'filtered', 'retryable', 'failed', 'dead'] as const;
export type CountedOutcome = (typeof COUNTED_OUTCOMES)[number];

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
  user_id?: string;
  anonymous_id?: string;
  /** The stored event this attempt was of (its queue row's id): the log refers to it. */
  payload_id?: number;
  /** The event as received, serialised: a copy the log keeps when the event is not stored. */
  event_json?: string;
  calls?: SentCall[];
  instance_id?: string;
  /** The integration revision the attempt ran under. */
  revision?: number;
}

/** An entry as the API lists it: the table's columns (nulls where a field was absent), warnings parsed, no payloads. */
export type DeliveryLogRow = Omit<Selectable<DeliveryLogTable>, 'warnings_json' | 'event_json' | 'payload_id' | 'calls_json' | 'status' | 'code'> & { status: DeliveryStatus; code: DeliveryCode | null; warnings: string[] };

export interface DeliveryLogDetail extends DeliveryLogRow {
  event: DataflyEvent | null;
  calls: SentCall[];
}

/** What a delivery log keeps of the vendor's answer, in characters (a cut never splits one). */
export const LOGGED_RESPONSE_CHARS = 1024;

const INSERT_CHUNK = 200;

/** What a log row says of an attempt, as lists show it (without the event and its requests). */
const SUMMARY_COLUMNS = [
  'integration_id',
  'message_id',
  'event_type',
  'event_name',
  'attempt',
  'status',
  'http_status',
  'code',
  'message',
  'response',
  'warnings_json',
  'duration_ms',
  'created_at',
  'user_id',
  'anonymous_id',
] as const;
const LOG_COLUMNS = [...SUMMARY_COLUMNS, 'event_json', 'payload_id', 'calls_json', 'instance_id', 'revision'] as const;
type LogRow = Record<(typeof LOG_COLUMNS)[number], string | number | null>;
const logInsert = new BulkInsert<LogRow, unknown>(LOG_COLUMNS, (db: Kysely<HostDatabase>, rows) => db.insertInto('delivery_logs').values(rows as Insertable<DeliveryLogTable>[]));

export interface LogFilter {
  status?: string;
  messageId?: string;
  eventName?: string;
  /** A userId or anonymousId. */
  user?: string;
  cursor?: number;
  limit: number;
}

/** Per event and attempt: what happened, the vendor's answer trimmed, the warnings, how long it took. */
export class DeliveryLogs {
  constructor(
    private readonly db: Kysely<HostDatabase>,
    private readonly engine: Engine,
    private readonly payloads: EventPayloads,
  ) {}

  async append(entries: readonly DeliveryLogEntry[]): Promise<void> {
    const rows = entries.map((e) => ({
      integration_id: e.integration_id,
      message_id: e.message_id,
      event_type: e.event_type ?? null,
      event_name: e.event_name ?? null,
      attempt: e.attempt,
      status: e.status,
      http_status: e.http_status ?? null,
      code: e.code ?? null,
      message: e.message ?? null,
      response: e.response === undefined ? null : cutCharacters(e.response, LOGGED_RESPONSE_CHARS),
      warnings_json: JSON.stringify(e.warnings),
      duration_ms: Math.round(e.duration_ms),
      created_at: e.created_at,
      user_id: e.user_id ?? null,
      anonymous_id: e.anonymous_id ?? null,
      event_json: e.event_json ?? null,
      payload_id: e.payload_id ?? null,
      calls_json: e.calls && e.calls.length > 0 ? JSON.stringify(e.calls) : null,
      instance_id: e.instance_id ?? null,
      revision: e.revision ?? null,
    }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await logInsert.run(this.db, this.engine, rows.slice(i, i + INSERT_CHUNK));
  }

  /** Adds to the per-minute outcome counts the overview charts read. */
  async count(integrationId: string, minute: number, counts: Partial<Record<CountedOutcome, number>>): Promise<void> {
    // In one order (the outcomes'), so two instances' settles lock shared rows alike and never deadlock.
    const rows = COUNTED_OUTCOMES.map((status) => [status, counts[status]] as const)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([status, count]) => ({ integration_id: integrationId, minute, status, count: count! }));
    if (rows.length === 0) return;
    await this.db
      .insertInto('delivery_counts')
      .values(rows)
      .onConflict((oc) => oc.columns(['integration_id', 'minute', 'status']).doUpdateSet((eb) => ({ count: eb('delivery_counts.count', '+', eb.ref('excluded.count')) })))
      .execute();
  }

  /** Outcome counts per minute since `from` (ms), oldest first. */
  async counts(integrationId: string, from: number): Promise<{ minute: number; status: string; count: number }[]> {
    const rows = await this.db
      .selectFrom('delivery_counts')
      .select(['minute', 'status', 'count'])
      .where('integration_id', '=', integrationId)
      .where('minute', '>=', from)
      .orderBy('minute')
      .execute();
    return rows.map((r) => ({ minute: Number(r.minute), status: r.status, count: Number(r.count) }));
  }

  /**
   * Deletes entries created before `cutoffIso`, oldest first in chunks, walking the primary key
   * (entries are appended in time order, so no index on the time is needed), the payloads nothing
   * refers to after them, and the counts before it. Answers how many entries went.
   */
  async prune(cutoffIso: string, chunk = 10_000): Promise<number> {
    let removed = 0;
    for (;;) {
      const oldest = this.db.selectFrom('delivery_logs').select('id').orderBy('id').limit(chunk);
      const rows = await this.db.deleteFrom('delivery_logs').where('id', 'in', oldest).where('created_at', '<', cutoffIso).returning('payload_id').execute();
      await this.payloads.release(rows.map((row) => (row.payload_id === null ? null : Number(row.payload_id))));
      const n = rows.length;
      removed += n;
      if (n < chunk) break;
    }
    await this.db.deleteFrom('delivery_counts').where('minute', '<', Date.parse(cutoffIso)).execute();
    return removed;
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  async page(integrationId: string, filter: LogFilter): Promise<{ rows: DeliveryLogRow[]; next?: number }> {
    const rows = await this.db
      .selectFrom('delivery_logs')
      .select(LIST_COLUMNS)
      .where('integration_id', '=', integrationId)
      .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
      .$if(filter.messageId !== undefined, (q) => q.where('message_id', '=', filter.messageId!))
      .$if(filter.eventName !== undefined, (q) => q.where('event_name', '=', filter.eventName!))
      .$if(filter.user !== undefined, (q) => q.where((eb) => eb.or([eb('user_id', '=', filter.user!), eb('anonymous_id', '=', filter.user!)])))
      .$if(filter.cursor !== undefined, (q) => q.where('id', '<', filter.cursor!))
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
    const page = rows.slice(0, filter.limit).map(toRow);
    return { rows: page, next: rows.length > filter.limit ? page[page.length - 1].id : undefined };
  }

  /** Every attempt of one event, oldest first, with the event as received and the calls it became. */
  async ofMessage(integrationId: string, messageId: string): Promise<DeliveryLogDetail[]> {
    const rows = await this.db
      .selectFrom('delivery_logs')
      .select([...LIST_COLUMNS, 'event_json', 'payload_id', 'calls_json'])
      .where('integration_id', '=', integrationId)
      .where('message_id', '=', messageId)
      .orderBy('id')
      .execute();
    const payloads = await this.payloads.read(rows.flatMap((r) => (r.payload_id === null ? [] : [Number(r.payload_id)])));
    return rows.map(({ event_json, payload_id, calls_json, ...row }) => {
      const json = payload_id === null ? event_json : payloads.get(Number(payload_id));
      return { ...toRow(row), event: json ? (JSON.parse(json) as DataflyEvent) : null, calls: calls_json ? (JSON.parse(calls_json) as SentCall[]) : [] };
    });
  }

  /** The newest entry's id, 0 when there is none: where a live reader starts. */
  async latestId(integrationId: string): Promise<number> {
    const row = await this.db.selectFrom('delivery_logs').select('id').where('integration_id', '=', integrationId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? Number(row.id) : 0;
  }

  /**
   * Up to `limit` entries after `afterId` (and up to `upToId`), oldest first. The index on
   * (integration_id, id) starts the read at the cursor, so it costs what it returns, however many
   * entries came before.
   */
  async after(integrationId: string, afterId: number, limit: number, upToId?: number): Promise<DeliveryLogRow[]> {
    const rows = await this.db
      .selectFrom('delivery_logs')
      .select(LIST_COLUMNS)
      .where('integration_id', '=', integrationId)
      .where('id', '>', afterId)
      .$if(upToId !== undefined, (q) => q.where('id', '<=', upToId!))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toRow);
  }

  /**
   * The ids in (`afterId`, `upToId`], oldest first, read from the index alone: where a live reader
   * looks for entries that committed after a larger id was read (on PostgreSQL ids are taken before
   * commit).
   */
  async idsBetween(integrationId: string, afterId: number, upToId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('delivery_logs').select('id').where('integration_id', '=', integrationId).where('id', '>', afterId).where('id', '<=', upToId).orderBy('id').execute();
    return rows.map((r) => Number(r.id));
  }

  /** These entries (those that exist), oldest first. */
  async byIds(integrationId: string, ids: readonly number[]): Promise<DeliveryLogRow[]> {
    const rows: DeliveryLogRow[] = [];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = await this.db.selectFrom('delivery_logs').select(LIST_COLUMNS).where('integration_id', '=', integrationId).where('id', 'in', ids.slice(i, i + ID_CHUNK)).orderBy('id').execute();
      rows.push(...chunk.map(toRow));
    }
    return rows;
  }

  /**
   * A deleted user's personal data out of the logs: the event as received (the log's copy, or its
   * reference and the payload once nothing else refers to it), the requests it became and the user's
   * ids are cleared; the rows stay (what happened to which messageId, when) for the audit. Answers how
   * many rows were cleared.
   */
  async forgetUsers(integrationId: string, userIds: readonly string[], anonymousIds: readonly string[]): Promise<number> {
    let cleared = 0;
    const run = async (column: 'user_id' | 'anonymous_id', ids: readonly string[]) => {
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        // The references are read before the update clears them: RETURNING answers the new values.
        const chunk = ids.slice(i, i + ID_CHUNK);
        const referred = await this.db.selectFrom('delivery_logs').select('payload_id').where('integration_id', '=', integrationId).where(column, 'in', chunk).where('payload_id', 'is not', null).execute();
        const result = await this.db
          .updateTable('delivery_logs')
          .set({ event_json: null, payload_id: null, calls_json: null, user_id: null, anonymous_id: null })
          .where('integration_id', '=', integrationId)
          .where(column, 'in', chunk)
          .executeTakeFirst();
        cleared += Number(result.numUpdatedRows);
        await this.payloads.release(referred.map((r) => Number(r.payload_id)));
      }
    };
    await run('user_id', userIds);
    await run('anonymous_id', anonymousIds);
    return cleared;
  }

  /** The newest distinct events an integration received (the blueprint tester's samples). */
  async recentEvents(integrationId: string, limit: number): Promise<DataflyEvent[]> {
    const rows = await this.db
      .selectFrom('delivery_logs')
      .leftJoin('event_payloads', 'event_payloads.id', 'delivery_logs.payload_id')
      .select(['delivery_logs.message_id', (eb) => eb.fn.coalesce('event_payloads.json', 'delivery_logs.event_json').as('json')])
      .where('delivery_logs.integration_id', '=', integrationId)
      .where((eb) => eb.or([eb('delivery_logs.payload_id', 'is not', null), eb('delivery_logs.event_json', 'is not', null)]))
      .orderBy('delivery_logs.id', 'desc')
      .limit(limit * 5)
      .execute();
    const seen = new Set<string>();
    const events: DataflyEvent[] = [];
    for (const r of rows) {
      if (seen.has(r.message_id) || events.length >= limit || r.json === null) continue;
      seen.add(r.message_id);
      events.push(JSON.parse(r.json) as DataflyEvent);
    }
    return events;
  }
}

const LIST_COLUMNS = ['id', ...SUMMARY_COLUMNS, 'instance_id', 'revision'] as const;

function toRow(r: Pick<Selectable<DeliveryLogTable>, (typeof LIST_COLUMNS)[number]>): DeliveryLogRow {
  const { warnings_json, ...rest } = r;
  // The host writes a result's status and code only: the contract's words.
  return { ...rest, id: Number(rest.id), status: rest.status as DeliveryStatus, code: rest.code as DeliveryCode | null, warnings: JSON.parse(warnings_json) as string[] };
}

/** The first `max` characters, never half of a surrogate pair. */
export function cutCharacters(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
