import { sql, type Insertable, type Kysely } from 'kysely';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { ID_CHUNK, type Engine } from './engine.js';
import { BulkInsert } from './bulk-insert.js';
import type { EventPayloads } from './event-payloads.js';
import type { HostDatabase, QueueTable } from './schema.js';
import { unnestInsert } from './unnest-insert.js';

export interface QueuedEvent {
  id: number;
  integrationId: string;
  messageId: string;
  event: DataflyEvent;
  attempts: number;
  acceptedAt: number;
}

/** An event on its way in: its payload serialised once, its ids lifted out for user deletions. */
export interface QueueItem {
  messageId: string;
  json: string;
  userId: string | null;
  anonymousId: string | null;
}

export interface DeadLetter {
  id: number;
  message_id: string;
  event: DataflyEvent;
  attempts: number;
  status: string | null;
  code: string | null;
  reason: string | null;
  http_status: number | null;
  accepted_at: string;
  dead_at: string;
}

export type Outcome =
  | { kind: 'done' }
  /** Not attempted (a rate limit said wait, the integration paused, the worker stopped): no attempt is spent. */
  | { kind: 'defer'; nextAt: number }
  | { kind: 'retry'; attempts: number; nextAt: number; status: string; code?: string; reason: string; httpStatus?: number }
  | { kind: 'dead'; attempts: number; status: string; code?: string; reason: string; httpStatus?: number };

/** Rows per INSERT: well under both engines' limit on bound parameters. */
const INSERT_CHUNK = 500;

const QUEUE_COLUMNS = ['integration_id', 'message_id', 'state', 'attempts', 'next_attempt_at', 'accepted_at', 'user_id', 'anonymous_id'] as const;
type QueueRow = Record<(typeof QUEUE_COLUMNS)[number], string | number | null>;
const queueInsert = new BulkInsert<QueueRow, { id: number; message_id: string }>(QUEUE_COLUMNS, (db: Kysely<HostDatabase>, rows) =>
  db
    .insertInto('queue')
    .values(rows as Insertable<QueueTable>[])
    .onConflict((oc) => oc.columns(['integration_id', 'message_id']).doNothing())
    .returning(['id', 'message_id']),
);

/** New rows on PostgreSQL: one array per column (see unnestInsert), duplicates left out, their ids answered. */
const NUMBER_COLUMNS: Partial<Record<(typeof QUEUE_COLUMNS)[number], 'integer' | 'bigint'>> = { attempts: 'integer', next_attempt_at: 'bigint', accepted_at: 'bigint' };
const queueUnnested = unnestInsert<QueueRow, { id: number; message_id: string }>(
  'queue',
  QUEUE_COLUMNS.map((name) => ({ name, type: NUMBER_COLUMNS[name] ?? 'text' })),
  'on conflict (integration_id, message_id) do nothing returning id, message_id',
);

/**
 * The durable delivery queue: one row per (integration, messageId), so an event ingested twice is
 * queued once. Rows move pending → inflight (claimed under a lease) → deleted when done, pending
 * again, or dead. Claims are exclusive: on PostgreSQL by `FOR UPDATE SKIP LOCKED`, on SQLite because
 * one process writes at a time; a claim whose lease expires goes back to pending for any instance.
 */
export class DeliveryQueue {
  constructor(
    private readonly db: Kysely<HostDatabase>,
    private readonly engine: Engine,
    private readonly payloads: EventPayloads,
  ) {}

  /** Queues each item for each integration, its payload stored once per new row; answers the messageIds that were new for at least one. */
  async enqueue(integrationIds: readonly string[], items: readonly QueueItem[], now: number): Promise<Set<string>> {
    const added = new Set<string>();
    const jsonOf = new Map(items.map((item) => [item.messageId, item.json]));
    const rows = integrationIds.flatMap((integration_id) =>
      items.map((item) => ({
        integration_id,
        message_id: item.messageId,
        state: 'pending',
        attempts: 0,
        next_attempt_at: now,
        accepted_at: now,
        user_id: item.userId,
        anonymous_id: item.anonymousId,
      })),
    );
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      const inserted = this.engine === 'postgres' ? await queueUnnested(this.db, chunk) : await queueInsert.run(this.db, this.engine, chunk);
      for (const row of inserted.rows) added.add(row.message_id);
      await this.payloads.store(inserted.rows.map((row) => ({ id: Number(row.id), json: jsonOf.get(row.message_id)! })));
    }
    return added;
  }

  /** Claims up to `limit` due events of one integration for `owner`, until `now + leaseMs`. */
  async claim(integrationId: string, owner: string, now: number, leaseMs: number, limit: number): Promise<QueuedEvent[]> {
    // A CTE is evaluated once; an `IN (subquery)` may be re-run by PostgreSQL's planner and, skipping
    // locked rows, find different ones each time and claim past the limit.
    const rows = await this.db
      .with('due', (db) =>
        db
          .selectFrom('queue')
          .select('id')
          .where('integration_id', '=', integrationId)
          .where('state', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(limit)
          // The one engine-specific line: other instances' claims are skipped, never waited for or shared.
          .$if(this.engine === 'postgres', (q) => q.forUpdate().skipLocked()),
      )
      .updateTable('queue')
      .from('due')
      .set({ state: 'inflight', lease_owner: owner, lease_expires_at: now + leaseMs })
      .whereRef('queue.id', '=', 'due.id')
      .returning(['queue.id', 'queue.integration_id', 'queue.message_id', 'queue.attempts', 'queue.accepted_at', 'queue.next_attempt_at'])
      .execute();
    rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.id - b.id);
    // Read apart: SQLite's RETURNING names only the updated table, and the claim stays a small-row UPDATE.
    const payloads = await this.payloads.read(rows.map((row) => row.id));
    return rows.map((row) => ({
      id: row.id,
      integrationId: row.integration_id,
      messageId: row.message_id,
      event: JSON.parse(payloads.get(Number(row.id))!) as DataflyEvent,
      attempts: row.attempts,
      acceptedAt: row.accepted_at,
    }));
  }

  /**
   * How many events are due now (counted up to `cap`: a worker only needs to know whether a batch is
   * full), since when the first of them has been ready, and when the next pending one falls due. Both
   * queries walk the `queue_due` index a few rows deep, so a queue of a million costs what one of ten does.
   */
  async due(integrationId: string, now: number, cap: number): Promise<{ count: number; readySince?: number; nextAt?: number }> {
    const first = await this.db
      .selectFrom('queue')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('integration_id', '=', integrationId)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    const at = first?.at === null || first?.at === undefined ? undefined : Number(first.at);
    if (at === undefined || at > now) return { count: 0, nextAt: at };
    const counted = await this.db
      .selectFrom((eb) =>
        eb
          .selectFrom('queue')
          .select('id')
          .where('integration_id', '=', integrationId)
          .where('state', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .limit(cap)
          .as('due'),
      )
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { count: Number(counted.n), readySince: at, nextAt: at };
  }

  /** Applies a batch's outcomes, only to rows `owner` still holds (a claim lost to an expired lease is another's now). */
  async settle(outcomes: readonly { id: number; outcome: Outcome }[], owner: string, now: number): Promise<void> {
    const groups = new Map<string, { outcome: Outcome; ids: number[] }>();
    for (const { id, outcome } of outcomes) {
      const key = JSON.stringify(outcome);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { outcome, ids: [] }));
      group.ids.push(id);
    }
    for (const { outcome, ids } of groups.values()) {
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const chunk = ids.slice(i, i + ID_CHUNK);
        const mine = <Q extends { where: (...args: any[]) => any }>(q: Q) => q.where('id', 'in', chunk).where('lease_owner', '=', owner).where('state', '=', 'inflight');
        const released = { lease_owner: null, lease_expires_at: null };
        switch (outcome.kind) {
          case 'done':
            await mine(this.db.deleteFrom('queue')).execute();
            break;
          case 'defer':
            await mine(this.db.updateTable('queue').set({ state: 'pending', next_attempt_at: outcome.nextAt, ...released })).execute();
            break;
          case 'retry':
            await mine(this.db.updateTable('queue').set({ state: 'pending', next_attempt_at: outcome.nextAt, ...lastAttempt(outcome), ...released })).execute();
            break;
          case 'dead':
            await mine(this.db.updateTable('queue').set({ state: 'dead', dead_at: now, ...lastAttempt(outcome), ...released })).execute();
            break;
        }
      }
    }
  }

  /**
   * Events due since before `cutoff` and never tried since (their integration was paused, or its vendor
   * down while probes went out) move to the dead letters: waiting has a limit, and a replay brings
   * them back. Walks the `queue_due` index, so it costs what it moves. Answers how many moved.
   */
  async expireWaiting(integrationId: string, cutoff: number, now: number, code: string, reason: string): Promise<number> {
    const result = await this.db
      .updateTable('queue')
      .set({ state: 'dead', dead_at: now, last_status: 'retryable', last_code: code, last_error: reason })
      .where('integration_id', '=', integrationId)
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Keeps the claims `owner` is still working on alive (and only those: a batch given up on expires). */
  async renewLeases(owner: string, ids: readonly number[], until: number): Promise<number> {
    let renewed = 0;
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const result = await this.db
        .updateTable('queue')
        .set({ lease_expires_at: until })
        .where('id', 'in', ids.slice(i, i + ID_CHUNK))
        .where('state', '=', 'inflight')
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      renewed += Number(result.numUpdatedRows);
    }
    return renewed;
  }

  /** Claims whose instance stopped renewing (it died) go back to pending for whoever claims next. */
  async releaseExpiredLeases(now: number): Promise<number> {
    const result = await this.db
      .updateTable('queue')
      .set({ state: 'pending', lease_owner: null, lease_expires_at: null })
      .where('state', '=', 'inflight')
      .where('lease_expires_at', '<', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Everything in flight back to pending, whoever claimed it. Only right when this process is the only
   * one (the embedded engine at start): its idempotency key makes resending harmless.
   */
  async releaseAllClaims(): Promise<number> {
    const result = await this.db.updateTable('queue').set({ state: 'pending', lease_owner: null, lease_expires_at: null }).where('state', '=', 'inflight').executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async deadLetters(integrationId: string, cursor: number | undefined, limit: number): Promise<{ rows: DeadLetter[]; next?: number }> {
    const rows = await this.db
      .selectFrom('queue')
      .select(['id', 'message_id', 'attempts', 'last_status', 'last_code', 'last_error', 'last_http_status', 'accepted_at', 'dead_at'])
      .where('integration_id', '=', integrationId)
      .where('state', '=', 'dead')
      .where('id', '>', cursor ?? 0)
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const payloads = await this.payloads.read(rows.slice(0, limit).map((r) => r.id));
    const page = rows.slice(0, limit).map((r) => ({
      id: r.id,
      message_id: r.message_id,
      event: JSON.parse(payloads.get(Number(r.id))!) as DataflyEvent,
      attempts: r.attempts,
      status: r.last_status,
      code: r.last_code,
      reason: r.last_error,
      http_status: r.last_http_status,
      accepted_at: new Date(r.accepted_at).toISOString(),
      dead_at: new Date(r.dead_at ?? 0).toISOString(),
    }));
    return { rows: page, next: rows.length > limit ? page[page.length - 1].id : undefined };
  }

  /**
   * Dead letters back to pending with a fresh attempt budget: all of them, or the given messageIds.
   * `missing` names the given messageIds that were not dead letters of this integration.
   */
  async replay(integrationId: string, messageIds: readonly string[] | 'all', now: number): Promise<{ replayed: number; missing: string[] }> {
    const base = () => this.db.updateTable('queue').set({ state: 'pending', attempts: 0, next_attempt_at: now, dead_at: null }).where('integration_id', '=', integrationId).where('state', '=', 'dead');
    if (messageIds === 'all') return { replayed: Number((await base().executeTakeFirst()).numUpdatedRows), missing: [] };
    const replayed = new Set<string>();
    for (let i = 0; i < messageIds.length; i += ID_CHUNK) {
      const rows = await base().where('message_id', 'in', messageIds.slice(i, i + ID_CHUNK)).returning('message_id').execute();
      for (const row of rows) replayed.add(row.message_id);
    }
    return { replayed: replayed.size, missing: [...new Set(messageIds)].filter((id) => !replayed.has(id)) };
  }

  /** Events per integration and state, for /metrics and the overview. */
  depth(integrationId?: string): Promise<{ integration_id: string; state: string; count: number }[]> {
    return this.db
      .selectFrom('queue')
      .select(['integration_id', 'state', (eb) => eb.fn.countAll<number>().as('count')])
      .$if(integrationId !== undefined, (q) => q.where('integration_id', '=', integrationId!))
      .groupBy(['integration_id', 'state'])
      .execute()
      .then((rows) => rows.map((r) => ({ ...r, count: Number(r.count) })));
  }

  /**
   * When the event waiting longest was accepted, in three index seeks whatever the queue holds: the
   * first due among waiting events (due when accepted, unless its turn moved), the oldest of those whose
   * turn moved later (a retry, a rate limit, a pause: the partial index queue_rescheduled), and the oldest
   * in flight. An event whose turn never moved is due at its acceptance, so the first due of those is
   * their oldest; any older event must be among the moved ones.
   */
  async oldestWaiting(integrationId: string): Promise<number | undefined> {
    const firstDue = await this.db
      .selectFrom('queue')
      .select('accepted_at')
      .where('integration_id', '=', integrationId)
      .where('state', '=', 'pending')
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    const minimum = async (state: 'pending' | 'inflight') => {
      const row = await this.db
        .selectFrom('queue')
        .select((eb) => eb.fn.min('accepted_at').as('at'))
        .where('integration_id', '=', integrationId)
        // Literal, not bound: SQLite uses a partial index only when the query states its condition.
        .where(state === 'pending' ? sql<boolean>`state = 'pending' and next_attempt_at > accepted_at` : sql<boolean>`state = 'inflight'`)
        .executeTakeFirst();
      return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
    };
    const times = [firstDue?.accepted_at, await minimum('pending'), await minimum('inflight')].filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /**
   * Removes a deleted user's events that still wait (pending, or dead letters a replay would send),
   * their payloads unless a log still refers to them, and answers them so each can be logged. Events of either id are dropped: erring to the user's side.
   */
  async dropUsers(integrationId: string, userIds: readonly string[], anonymousIds: readonly string[], acceptedBefore: number): Promise<{ messageId: string; event: DataflyEvent; attempts: number }[]> {
    const dropped: { messageId: string; event: DataflyEvent; attempts: number }[] = [];
    const run = async (column: 'user_id' | 'anonymous_id', ids: readonly string[]) => {
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const rows = await this.db
          .deleteFrom('queue')
          .where('integration_id', '=', integrationId)
          .where('state', 'in', ['pending', 'dead'])
          .where('accepted_at', '<=', acceptedBefore)
          .where(column, 'in', ids.slice(i, i + ID_CHUNK))
          .returning(['id', 'message_id', 'attempts'])
          .execute();
        const payloads = await this.payloads.read(rows.map((r) => Number(r.id)));
        for (const r of rows) dropped.push({ messageId: r.message_id, event: JSON.parse(payloads.get(Number(r.id))!) as DataflyEvent, attempts: r.attempts });
        await this.payloads.release(rows.map((r) => Number(r.id)));
      }
    };
    await run('user_id', userIds);
    await run('anonymous_id', anonymousIds);
    return dropped;
  }

  /** How many events an integration has waiting and dead (for its page and the delete dialog). */
  async counts(integrationId: string): Promise<{ waiting: number; dead: number }> {
    const rows = await this.depth(integrationId);
    const sum = (pred: (s: string) => boolean) => rows.filter((r) => pred(r.state)).reduce((n, r) => n + r.count, 0);
    return { waiting: sum((s) => s !== 'dead'), dead: sum((s) => s === 'dead') };
  }
}

/** What a row keeps of its last attempt, retried or dead. */
function lastAttempt(outcome: Extract<Outcome, { kind: 'retry' | 'dead' }>) {
  return {
    attempts: outcome.attempts,
    last_status: outcome.status,
    last_code: outcome.code ?? null,
    last_error: outcome.reason,
    last_http_status: outcome.httpStatus ?? null,
  };
}
