import type { DataflyEvent } from '../../contract/index.js';
import type { Db } from './database.js';

export interface QueuedEvent {
  id: number;
  integrationId: string;
  messageId: string;
  event: DataflyEvent;
  attempts: number;
  acceptedAt: number;
}

export interface DeadLetter {
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

interface QueueRow {
  id: number;
  integration_id: string;
  message_id: string;
  event_json: string;
  attempts: number;
  accepted_at: number;
}

/**
 * The durable delivery queue: one row per (integration, messageId), so an event ingested twice is
 * queued once. Rows move pending → inflight → (deleted when done | pending again | dead).
 */
export class DeliveryQueue {
  private readonly insert;
  private readonly claimStmt;
  private readonly markInflight;
  private readonly dueCount;
  private readonly firstDue;
  private readonly nextDue;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO queue (integration_id, message_id, event_json, state, next_attempt_at, accepted_at)
       VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (integration_id, message_id) DO NOTHING`,
    );
    this.claimStmt = db.prepare(
      `SELECT id, integration_id, message_id, event_json, attempts, accepted_at FROM queue
       WHERE integration_id = ? AND state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
    );
    this.markInflight = db.prepare(`UPDATE queue SET state = 'inflight' WHERE id = ?`);
    this.dueCount = db.prepare(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM queue WHERE integration_id = ? AND state = 'pending' AND next_attempt_at <= ? LIMIT ?)`,
    );
    this.firstDue = db.prepare(
      `SELECT accepted_at FROM queue WHERE integration_id = ? AND state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1`,
    );
    this.nextDue = db.prepare(`SELECT MIN(next_attempt_at) AS at FROM queue WHERE integration_id = ? AND state = 'pending'`);
  }

  /** Queues events for each integration in one transaction; answers how many rows were new. */
  enqueue(integrationIds: readonly string[], events: readonly DataflyEvent[], now: number): number {
    let added = 0;
    this.db.transaction(() => {
      for (const event of events) {
        const json = JSON.stringify(event);
        for (const id of integrationIds) added += this.insert.run(id, event.messageId, json, now, now).changes;
      }
    })();
    return added;
  }

  /** Takes up to `limit` due events and marks them in flight, atomically. */
  claim(integrationId: string, now: number, limit: number): QueuedEvent[] {
    return this.db.transaction(() => {
      const rows = this.claimStmt.all(integrationId, now, limit) as QueueRow[];
      for (const row of rows) this.markInflight.run(row.id);
      return rows.map(toQueued);
    })();
  }

  /**
   * How many events are due now (counted up to `cap`: the worker only needs to know whether a batch
   * is full), when the first of them was accepted, and when the next pending one falls due. Every
   * query walks the `queue_due` index a few rows deep, so a queue of a million costs what one of ten does.
   */
  due(integrationId: string, now: number, cap = 1000): { count: number; oldestAcceptedAt?: number; nextAt?: number } {
    const count = (this.dueCount.get(integrationId, now, cap) as { n: number }).n;
    const first = this.firstDue.get(integrationId, now) as { accepted_at: number } | undefined;
    const next = this.nextDue.get(integrationId) as { at: number | null };
    return { count, oldestAcceptedAt: first?.accepted_at, nextAt: next.at ?? undefined };
  }

  /** Applies a batch's outcomes in one transaction. */
  settle(outcomes: { id: number; outcome: Outcome }[], now: number): void {
    const done = this.db.prepare('DELETE FROM queue WHERE id = ?');
    const retry = this.db.prepare(
      `UPDATE queue SET state = 'pending', attempts = @attempts, next_attempt_at = @next, last_status = @status, last_code = @code, last_error = @reason, last_http_status = @http WHERE id = @id`,
    );
    const defer = this.db.prepare(`UPDATE queue SET state = 'pending', next_attempt_at = ? WHERE id = ?`);
    const dead = this.db.prepare(
      `UPDATE queue SET state = 'dead', attempts = @attempts, dead_at = @now, last_status = @status, last_code = @code, last_error = @reason, last_http_status = @http WHERE id = @id`,
    );
    this.db.transaction(() => {
      for (const { id, outcome } of outcomes) {
        switch (outcome.kind) {
          case 'done':
            done.run(id);
            break;
          case 'defer':
            defer.run(outcome.nextAt, id);
            break;
          case 'retry':
            retry.run({ id, attempts: outcome.attempts, next: outcome.nextAt, status: outcome.status, code: outcome.code ?? null, reason: outcome.reason, http: outcome.httpStatus ?? null });
            break;
          case 'dead':
            dead.run({ id, attempts: outcome.attempts, now, status: outcome.status, code: outcome.code ?? null, reason: outcome.reason, http: outcome.httpStatus ?? null });
            break;
        }
      }
    })();
  }

  /** After a crash, whatever was in flight goes back to pending: its idempotency key makes resending safe. */
  recoverInflight(): number {
    return this.db.prepare(`UPDATE queue SET state = 'pending' WHERE state = 'inflight'`).run().changes;
  }

  deadLetters(integrationId: string, cursor: number | undefined, limit: number): { rows: (DeadLetter & { id: number })[]; next?: number } {
    const rows = this.db
      .prepare(
        `SELECT id, message_id, event_json, attempts, last_status, last_code, last_error, last_http_status, accepted_at, dead_at FROM queue
         WHERE integration_id = ? AND state = 'dead' AND id > ? ORDER BY id LIMIT ?`,
      )
      .all(integrationId, cursor ?? 0, limit + 1) as (QueueRow & Record<string, unknown>)[];
    const page = rows.slice(0, limit).map((r) => ({
      id: r.id,
      message_id: r.message_id,
      event: JSON.parse(r.event_json),
      attempts: r.attempts,
      status: r.last_status as string | null,
      code: r.last_code as string | null,
      reason: r.last_error as string | null,
      http_status: r.last_http_status as number | null,
      accepted_at: new Date(r.accepted_at).toISOString(),
      dead_at: new Date(r.dead_at as number).toISOString(),
    }));
    return { rows: page, next: rows.length > limit ? page[page.length - 1].id : undefined };
  }

  /** Dead letters back to pending with a fresh attempt budget; all of them, or the given messageIds. */
  replay(integrationId: string, messageIds: readonly string[] | undefined, now: number): number {
    const base = `UPDATE queue SET state = 'pending', attempts = 0, next_attempt_at = ?, dead_at = NULL WHERE integration_id = ? AND state = 'dead'`;
    if (!messageIds) return this.db.prepare(base).run(now, integrationId).changes;
    const stmt = this.db.prepare(`${base} AND message_id = ?`);
    return this.db.transaction(() => messageIds.reduce((n, m) => n + stmt.run(now, integrationId, m).changes, 0))();
  }

  depth(): { integration_id: string; state: string; count: number }[] {
    return this.db.prepare('SELECT integration_id, state, COUNT(*) AS count FROM queue GROUP BY integration_id, state').all() as never;
  }
}

export type Outcome =
  | { kind: 'done' }
  /** Not attempted (a rate limit said wait): no attempt is spent. */
  | { kind: 'defer'; nextAt: number }
  | { kind: 'retry'; attempts: number; nextAt: number; status: string; code?: string; reason: string; httpStatus?: number }
  | { kind: 'dead'; attempts: number; status: string; code?: string; reason: string; httpStatus?: number };

function toQueued(row: QueueRow): QueuedEvent {
  return { id: row.id, integrationId: row.integration_id, messageId: row.message_id, event: JSON.parse(row.event_json), attempts: row.attempts, acceptedAt: row.accepted_at };
}
