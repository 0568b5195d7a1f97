import { afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import { join } from 'node:path';
import pg from 'pg';
import { silentLogger } from '@datafly/heap-integration/contract';
import { migrations } from '../../src/host/store/migrations.js';
import { SQLITE_FILE } from '../../src/host/store/engine.js';
import { Store } from '../../src/host/store/store.js';
import { ENGINES, freshLocation, type EngineName } from '../helpers/engines.js';

const HOUR = 3_600_000;
const event = (messageId: string, userId: string) => ({ type: 'track', event: 'Viewed', messageId, userId, properties: { plan: 'pro' } });
const item = (messageId: string, userId: string) => ({ messageId, json: JSON.stringify(event(messageId, userId)), userId, anonymousId: null });

/** The payload ids still stored. */
async function payloadIds(store: Store): Promise<number[]> {
  const rows = await store.db.selectFrom('event_payloads').select('id').orderBy('id').execute();
  return rows.map((r) => Number(r.id));
}

/** A log of one attempt as delivery writes it: referring to the stored event. */
const attemptLog = (integrationId: string, q: { id: number; messageId: string }, status: string, createdAt: string, userId: string) => ({
  integration_id: integrationId,
  message_id: q.messageId,
  attempt: 1,
  status,
  warnings: [],
  duration_ms: 1,
  created_at: createdAt,
  user_id: userId,
  payload_id: q.id,
});

describe.each(ENGINES)('event payloads on %s', (engine: EngineName) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const open = async () => {
    const fresh = await freshLocation(engine);
    cleanups.push(fresh.dispose);
    return fresh;
  };

  it('carries the events of a database at 0004 over: waiting, dead, and in delivery logs', async () => {
    const fresh = await open();
    const db = new Kysely<any>({
      dialect: engine === 'sqlite' ? new SqliteDialect({ database: new Database(join(fresh.dataDir, SQLITE_FILE)) }) : new PostgresDialect({ pool: new pg.Pool({ connectionString: fresh.databaseUrl }) }),
    });
    const upTo0004 = Object.fromEntries(Object.entries(migrations(engine)).filter(([name]) => name < '0005'));
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => upTo0004 } }).migrateToLatest();
    expect(error).toBeUndefined();
    const json = (id: string) => JSON.stringify(event(id, 'u-old'));
    await sql`insert into queue (integration_id, message_id, event_json, state, attempts, next_attempt_at, accepted_at, user_id)
      values ('int_old', 'm-wait', ${json('m-wait')}, 'pending', 0, 0, 0, 'u-old'), ('int_old', 'm-dead', ${json('m-dead')}, 'dead', 5, 0, 0, 'u-old')`.execute(db);
    await sql`insert into delivery_logs (integration_id, message_id, attempt, status, warnings_json, duration_ms, created_at, user_id, event_json)
      values ('int_old', 'm-gone', 1, 'delivered', '[]', 1, '2026-01-01T00:00:00.000Z', 'u-old', ${json('m-gone')})`.execute(db);
    await db.destroy();

    const store = await Store.open(fresh.location, silentLogger);
    cleanups.push(() => store.close());
    expect((await store.queue.deadLetters('int_old', undefined, 10)).rows.map((r) => r.event)).toEqual([event('m-dead', 'u-old')]);
    expect((await store.queue.claim('int_old', 'me', 1, 1000, 10)).map((q) => q.event)).toEqual([event('m-wait', 'u-old')]);
    expect((await store.logs.ofMessage('int_old', 'm-gone')).map((l) => l.event)).toEqual([event('m-gone', 'u-old')]);
    expect(await store.logs.recentEvents('int_old', 10)).toEqual([event('m-gone', 'u-old')]);
    expect(await payloadIds(store)).toHaveLength(2);
  });

  it('keeps a payload while a queue row or a log refers to it, and removes it after delivery and log retention', async () => {
    const store = await Store.open((await open()).location, silentLogger);
    cleanups.push(() => store.close());
    await store.queue.enqueue(['int_p'], [item('m1', 'u1'), item('m2', 'u1')], 0);
    const [m1, m2] = await store.queue.claim('int_p', 'me', 0, 1000, 10);
    await store.logs.append([attemptLog('int_p', m1, 'delivered', '2026-01-01T00:00:00.000Z', 'u1'), attemptLog('int_p', m2, 'failed', '2026-01-01T00:00:00.000Z', 'u1')]);
    await store.queue.settle([{ id: m1.id, outcome: { kind: 'done' } }, { id: m2.id, outcome: { kind: 'dead', attempts: 1, status: 'failed', reason: 'refused' } }], 'me', HOUR);
    // Delivered: only its log refers to it now, and shows it.
    expect((await store.logs.ofMessage('int_p', 'm1'))[0].event).toEqual(event('m1', 'u1'));
    expect(await payloadIds(store)).toEqual([m1.id, m2.id]);

    expect(await store.logs.prune('2026-01-02T00:00:00.000Z')).toBe(2);
    // The dead letter still refers to its event: it stays for a replay.
    expect(await payloadIds(store)).toEqual([m2.id]);
    expect((await store.queue.deadLetters('int_p', undefined, 10)).rows.map((r) => r.event)).toEqual([event('m2', 'u1')]);
    await store.queue.replay('int_p', 'all', 2 * HOUR);
    expect((await store.queue.claim('int_p', 'me', 2 * HOUR, 1000, 10)).map((q) => q.event)).toEqual([event('m2', 'u1')]);
  });

  it("removes a deleted user's payloads, waiting or only logged, and keeps other users'", async () => {
    const store = await Store.open((await open()).location, silentLogger);
    cleanups.push(() => store.close());
    await store.queue.enqueue(['int_u'], [item('sent', 'gone'), item('waits', 'gone'), item('other', 'stays')], 0);
    const claimed = await store.queue.claim('int_u', 'me', 0, 1000, 10);
    const [sent, waits, other] = ['sent', 'waits', 'other'].map((id) => claimed.find((q) => q.messageId === id)!);
    await store.logs.append([attemptLog('int_u', sent, 'delivered', '2026-01-01T00:00:00.000Z', 'gone'), attemptLog('int_u', waits, 'retryable', '2026-01-01T00:00:00.000Z', 'gone'), attemptLog('int_u', other, 'delivered', '2026-01-01T00:00:00.000Z', 'stays')]);
    await store.queue.settle(
      [
        { id: sent.id, outcome: { kind: 'done' } },
        { id: other.id, outcome: { kind: 'done' } },
        { id: waits.id, outcome: { kind: 'retry', attempts: 1, nextAt: HOUR, status: 'retryable', reason: 'later' } },
      ],
      'me',
      0,
    );
    await store.transaction(async (tx) => {
      expect((await tx.queue.dropUsers('int_u', ['gone'], [], HOUR)).map((d) => d.event)).toEqual([event('waits', 'gone')]);
      await tx.logs.forgetUsers('int_u', ['gone'], []);
    });
    expect(await payloadIds(store)).toEqual([other.id]);
    expect((await store.logs.ofMessage('int_u', 'sent'))[0].event).toBeNull();
    expect((await store.logs.ofMessage('int_u', 'other'))[0].event).toEqual(event('other', 'stays'));
  });

  it("removes the payloads of a deleted integration's queue that no log refers to", async () => {
    const store = await Store.open((await open()).location, silentLogger);
    cleanups.push(() => store.close());
    await store.queue.enqueue(['int_d'], [item('queued', 'u'), item('logged', 'u')], 0);
    const logged = (await store.queue.claim('int_d', 'me', 0, 1000, 10)).find((q) => q.messageId === 'logged')!;
    await store.logs.append([attemptLog('int_d', logged, 'retryable', '2026-01-01T00:00:00.000Z', 'u')]);
    await store.integrations.delete('int_d');
    expect(await payloadIds(store)).toEqual([logged.id]);
    await store.logs.prune('2026-01-02T00:00:00.000Z');
    expect(await payloadIds(store)).toEqual([]);
  });
});
