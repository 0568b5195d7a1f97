import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@datafly/heap-integration/contract';
import { StartupError } from '../../src/host/errors.js';
import { LogReader } from '../../src/host/live/log-reader.js';
import { NAME_CHARS } from '../../src/host/store/data-quality.js';
import { cutCharacters } from '../../src/host/store/delivery-logs.js';
import { GroupCommit } from '../../src/host/store/group-commit.js';
import { checkSecretKey } from '../../src/host/secret-key-check.js';
import { SecretBox } from '../../src/host/secrets.js';
import { Store } from '../../src/host/store/store.js';
import { ENGINES, freshLocation, type EngineName } from '../helpers/engines.js';

const HOUR = 3_600_000;
const item = (messageId: string, userId: string | null = null) => ({ messageId, json: JSON.stringify({ type: 'track', event: 'E', messageId, userId }), userId, anonymousId: 'anon' });

describe.each(ENGINES)('the store on %s', (engine: EngineName) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let location: Awaited<ReturnType<typeof freshLocation>>['location'];

  beforeAll(async () => {
    const fresh = await freshLocation(engine);
    location = fresh.location;
    dispose = fresh.dispose;
    store = await Store.open(location, silentLogger);
  });
  afterAll(async () => {
    await store?.close();
    await dispose?.();
  });

  it('holds the secret key check: the first key seals it, another key is refused; a store from before it is checked against a stored secret', async () => {
    const fresh = await freshLocation(engine);
    const own = await Store.open(fresh.location, silentLogger);
    try {
      const first = new SecretBox(Buffer.alloc(32, 1));
      const other = new SecretBox(Buffer.alloc(32, 2));
      const refused = 'KEY is not the key the secrets in this database were sealed with, so the stored API keys cannot be opened: start every instance with the key the first one used (a new key cannot recover them)';
      const now = new Date(0).toISOString();
      await own.integrations.save(
        { id: 'int_key', catalog_key: 'heap', name: 'Heap', variant: 'default', delivery_mode: 'server_side', enabled: 1, config_json: '{}', secrets_json: JSON.stringify({ api_key: first.seal('k-123') }), blueprint_json: '{}', revision: 1, created_at: now, updated_at: now },
        'Installed',
      );
      // No check yet (a store from before it): the stored secret decides, and a wrong key writes nothing.
      await expect(checkSecretKey(own.integrations, other, 'KEY')).rejects.toThrow(new StartupError(refused));
      expect(await own.integrations.keyCheck()).toBeUndefined();
      await checkSecretKey(own.integrations, first, 'KEY');
      expect(first.open((await own.integrations.keyCheck())!)).toBe('datafly secret key check');
      await expect(checkSecretKey(own.integrations, other, 'KEY')).rejects.toThrow(new StartupError(refused));
      await expect(checkSecretKey(own.integrations, first, 'KEY')).resolves.toBeUndefined();
    } finally {
      await own.close();
      await fresh.dispose();
    }
  });

  it('queues an event once per integration and says which messageIds were new', async () => {
    const first = await store.queue.enqueue(['int_q1', 'int_q2'], [item('m1'), item('m2')], 1000);
    expect([...first].sort()).toEqual(['m1', 'm2']);
    const again = await store.queue.enqueue(['int_q1'], [item('m2'), item('m3')], 1000);
    expect([...again]).toEqual(['m3']);
    expect(await store.queue.depth('int_q1')).toEqual([{ integration_id: 'int_q1', state: 'pending', count: 3 }]);
  });

  it('stores each queued event as sent, its ids and payload whatever characters they hold, in the order given, over chunks of many rows', async () => {
    const odd = ['q"uote', 'back\\slash', 'com,ma', '{brace}', 'NULL', '', ' ', 'caf\u00e9 \u{1F600}', "it's"].map((id) => `odd-${id}`);
    const many = Array.from({ length: 1203 }, (_, i) => `many-${i}`);
    const items = [...odd, ...many].map((id, i) => ({ ...item(id, i % 3 === 0 ? `user-${i}` : null), anonymousId: i % 5 === 0 ? null : `anon-${i}` }));
    const added = await store.queue.enqueue(['int_rows_a', 'int_rows_b'], items, 7000);
    expect(added.size).toBe(items.length);
    const queued = await store.db.selectFrom('queue').selectAll().where('integration_id', '=', 'int_rows_b').orderBy('id').execute();
    expect(queued.map((row) => [row.message_id, row.user_id, row.anonymous_id, row.state, Number(row.attempts), Number(row.next_attempt_at), Number(row.accepted_at)])).toEqual(
      items.map((it) => [it.messageId, it.userId, it.anonymousId, 'pending', 0, 7000, 7000]),
    );
    const payloads = await store.payloads.read(queued.map((row) => Number(row.id)));
    expect(queued.map((row) => payloads.get(Number(row.id)))).toEqual(items.map((it) => it.json));
    expect([...(await store.queue.enqueue(['int_rows_b'], items.slice(0, 3), 8000))]).toEqual([]);
  });

  it('claims due events in order under a lease, never the same event to two owners', async () => {
    await store.queue.enqueue(['int_claim'], Array.from({ length: 10 }, (_, i) => item(`c${i}`)), 2000);
    const a = await store.queue.claim('int_claim', 'instance-a', 2000, 30_000, 4);
    const b = await store.queue.claim('int_claim', 'instance-b', 2000, 30_000, 100);
    expect(a.map((q) => q.messageId)).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(b.map((q) => q.messageId)).toEqual(['c4', 'c5', 'c6', 'c7', 'c8', 'c9']);
    expect(a[0]).toMatchObject({ integrationId: 'int_claim', attempts: 0, acceptedAt: 2000, event: { messageId: 'c0' } });
    expect(await store.queue.claim('int_claim', 'instance-c', 2000, 30_000, 100)).toEqual([]);
  });

  it('answers how many are due, since when, and when the next falls due', async () => {
    await store.queue.enqueue(['int_due'], [item('d1'), item('d2')], 5000);
    expect(await store.queue.due('int_due', 4000, 1000)).toEqual({ count: 0, nextAt: 5000 });
    expect(await store.queue.due('int_due', 6000, 1000)).toEqual({ count: 2, readySince: 5000, nextAt: 5000 });
    expect(await store.queue.due('int_due', 6000, 1)).toEqual({ count: 1, readySince: 5000, nextAt: 5000 });
    expect(await store.queue.due('int_none', 6000, 1000)).toEqual({ count: 0, nextAt: undefined });
  });

  it('finds the oldest waiting event even when its turn was moved behind younger ones', async () => {
    await store.queue.enqueue(['int_oldest'], [item('o1')], 1000);
    await store.queue.enqueue(['int_oldest'], [item('o2')], 2000);
    expect(await store.queue.oldestWaiting('int_oldest')).toBe(1000);
    // o1 was tried and comes back after o2 is due: it is still the one waiting longest.
    await store.db.updateTable('queue').set({ next_attempt_at: 9000, attempts: 1 }).where('integration_id', '=', 'int_oldest').where('message_id', '=', 'o1').execute();
    expect(await store.queue.oldestWaiting('int_oldest')).toBe(1000);
    await store.db.deleteFrom('queue').where('integration_id', '=', 'int_oldest').where('message_id', '=', 'o1').execute();
    expect(await store.queue.oldestWaiting('int_oldest')).toBe(2000);
    expect(await store.queue.oldestWaiting('int_nothing')).toBeUndefined();
  });

  it('settles only what the owner still holds; an expired lease goes back to any instance', async () => {
    await store.queue.enqueue(['int_lease'], [item('l1'), item('l2'), item('l3'), item('l4')], 0);
    const claimed = await store.queue.claim('int_lease', 'dead-instance', 0, 1000, 10);
    expect(await store.queue.renewLeases('dead-instance', claimed.map((q) => q.id), 5000)).toBe(4);
    expect(await store.queue.releaseExpiredLeases(4000)).toBe(0);
    expect(await store.queue.releaseExpiredLeases(6000)).toBe(4);
    const survivor = await store.queue.claim('int_lease', 'survivor', 6000, 30_000, 10);
    expect(survivor.map((q) => q.messageId)).toEqual(['l1', 'l2', 'l3', 'l4']);
    // The dead instance comes back late with an answer: its settle touches nothing it no longer holds.
    await store.queue.settle(claimed.map((q) => ({ id: q.id, outcome: { kind: 'done' } })), 'dead-instance', 7000);
    expect(await store.queue.depth('int_lease')).toEqual([{ integration_id: 'int_lease', state: 'inflight', count: 4 }]);
    const [done, retry, dead, defer] = survivor;
    await store.queue.settle(
      [
        { id: done.id, outcome: { kind: 'done' } },
        { id: retry.id, outcome: { kind: 'retry', attempts: 1, nextAt: 9000, status: 'retryable', code: 'server_error', reason: 'Heap server error (500)', httpStatus: 500 } },
        { id: dead.id, outcome: { kind: 'dead', attempts: 1, status: 'failed', code: 'rejected', reason: 'Heap rejected the request (400): bad', httpStatus: 400 } },
        { id: defer.id, outcome: { kind: 'defer', nextAt: 8000 } },
      ],
      'survivor',
      7000,
    );
    expect((await store.queue.depth('int_lease')).sort((x, y) => x.state.localeCompare(y.state))).toEqual([
      { integration_id: 'int_lease', state: 'dead', count: 1 },
      { integration_id: 'int_lease', state: 'pending', count: 2 },
    ]);
    expect(await store.queue.due('int_lease', 8500, 10)).toEqual({ count: 1, readySince: 8000, nextAt: 8000 });
    const letters = await store.queue.deadLetters('int_lease', undefined, 10);
    expect(letters.rows).toEqual([
      {
        id: dead.id,
        message_id: 'l3',
        event: { type: 'track', event: 'E', messageId: 'l3', userId: null },
        attempts: 1,
        status: 'failed',
        code: 'rejected',
        reason: 'Heap rejected the request (400): bad',
        http_status: 400,
        accepted_at: new Date(0).toISOString(),
        dead_at: new Date(7000).toISOString(),
      },
    ]);
    expect(await store.queue.replay('int_lease', ['l3', 'nope'], 10_000)).toEqual({ replayed: 1, missing: ['nope'] });
    expect((await store.queue.claim('int_lease', 'survivor', 10_000, 1000, 10)).map((q) => [q.messageId, q.attempts])).toEqual([
      ['l4', 0],
      ['l2', 1],
      ['l3', 0],
    ]);
  });

  it('drops the waiting and dead events of deleted users accepted before the deletion', async () => {
    await store.queue.enqueue(['int_gdpr'], [item('g1', 'user-1'), item('g2', 'user-2'), item('g3', null)], 100);
    await store.queue.enqueue(['int_gdpr'], [item('g4', 'user-1')], 500);
    const dropped = await store.queue.dropUsers('int_gdpr', ['user-1'], ['nobody'], 200);
    expect(dropped.map((d) => d.messageId)).toEqual(['g1']);
    expect((await store.queue.counts('int_gdpr')).waiting).toBe(3);
  });

  it('shares token buckets: grants what is there, promises the rest in order, gives back what went unused', async () => {
    const ask = (key: string, want: number) => ({ key, capacity: 100, windowMs: 10_000, want });
    // A flight of at most 1 s refills 10 tokens: only a take within 10 of full freezes the bucket.
    const HOLD = 1000;
    let grants = await store.buckets.take([ask('app:1', 60), ask('id:a', 10)], 1_000_000, HOLD);
    expect(grants.get('app:1')).toEqual({ key: 'app:1', granted: 60, promisedUntil: 0, fullTakeAt: 1_000_000 });
    // The first batch's answer: all 60 used. Its take froze the bucket; the answer thaws it.
    await store.buckets.settle([{ ...ask('app:1', 0), fullTakeAt: 1_000_000 }], 1_000_000, HOLD);
    grants = await store.buckets.take([ask('app:1', 60)], 1_000_001, HOLD);
    // 40.01 there (1 ms refilled 0.01): 40 granted; the next whole token is 99 ms away, then the 20 short
    // arrive at 10 tokens per second.
    expect(grants.get('app:1')).toEqual({ key: 'app:1', granted: 40, promisedUntil: 1_000_001 + 99 + 2000, fullTakeAt: undefined });
    grants = await store.buckets.take([ask('app:1', 10)], 1_000_501, HOLD);
    // 5 tokens flowed in since; the 5 short are promised after the earlier promise, not before it.
    expect(grants.get('app:1')).toEqual({ key: 'app:1', granted: 5, promisedUntil: 1_000_001 + 99 + 2000 + 500, fullTakeAt: undefined });
    // 30 granted tokens went unused (their events were held back by another bucket): given back.
    await store.buckets.settle([ask('app:1', 30)], 1_000_501, HOLD);
    grants = await store.buckets.take([ask('app:1', 100)], 1_000_501, HOLD);
    expect(grants.get('app:1')!.granted).toBe(30);
    expect(await store.buckets.sweep(1_000_501)).toBe(0);
  });

  it('freezes the refill of a bucket taken from full until that batch answers (at most the hold)', async () => {
    const ask = (want: number) => ({ key: 'hold', capacity: 100, windowMs: 1000, want });
    const grants = await store.buckets.take([ask(100)], 5_000_000, 2000);
    expect(grants.get('hold')!.fullTakeAt).toBe(5_000_000);
    // 500 ms later the answer is not here: the vendor may not have counted the request yet, so nothing refilled.
    expect((await store.buckets.take([ask(100)], 5_000_500, 2000)).get('hold')!.granted).toBe(0);
    // The answer comes: refill runs from now, so 500 ms later there are 50.
    await store.buckets.settle([{ ...ask(0), fullTakeAt: 5_000_000 }], 5_000_500, 2000);
    expect((await store.buckets.take([ask(100)], 5_001_000, 2000)).get('hold')!.granted).toBe(50);
    // Nearly full counts as full: 96 of 100 (not full), and 2 s of flight would refill 200: Heap's bucket
    // would cap, so the take freezes it; 540 ms later it still holds the 86 left (unfrozen, it would be full).
    await store.buckets.take([{ key: 'near', capacity: 100, windowMs: 1000, want: 5 }], 5_005_000, 2000);
    await store.buckets.settle([{ key: 'near', capacity: 100, windowMs: 1000, want: 0, fullTakeAt: 5_005_000 }], 5_005_000, 2000);
    expect((await store.buckets.take([{ key: 'near', capacity: 100, windowMs: 1000, want: 10 }], 5_005_010, 2000)).get('near')!.fullTakeAt).toBe(5_005_010);
    expect((await store.buckets.take([{ key: 'near', capacity: 100, windowMs: 1000, want: 100 }], 5_005_550, 2000)).get('near')!.granted).toBe(86);
    // A take from full whose batch never answers (its instance died) freezes the bucket at most the hold.
    await store.buckets.take([ask(0)], 5_010_000, 2000);
    expect((await store.buckets.take([ask(100)], 5_010_000, 2000)).get('hold')!.fullTakeAt).toBe(5_010_000);
    expect((await store.buckets.take([ask(100)], 5_011_000, 2000)).get('hold')!.granted).toBe(0);
    expect((await store.buckets.take([ask(100)], 5_012_500, 2000)).get('hold')!.granted).toBe(100);
  });

  it('gives a live reader the new entries and the late ones (a smaller id committed after a larger one was read), each once, while its look-back lasts', async () => {
    const entry = (i: number) => ({ integration_id: 'int_live', message_id: `l${i}`, attempt: 1, status: 'delivered' as const, warnings: [], duration_ms: 0, created_at: '2026-06-01T00:00:00.000Z' });
    await store.logs.append(Array.from({ length: 3 }, (_, i) => entry(i)));
    let now = 0;
    // Polled by hand: the reader's own loop waits an hour between reads.
    const reader = new LogReader('int_live', store.logs, { pollMs: 3_600_000, lookBackMs: 5000, page: 4, now: () => now });
    const seen: string[] = [];
    reader.add({ deliver: (rows) => seen.push(...rows.map((r) => r.message_id)) });
    await reader.ready;
    try {
      await store.logs.append(Array.from({ length: 6 }, (_, i) => entry(10 + i)));
      // l12 and l14 took their ids but have not committed yet.
      const pending = (await store.logs.after('int_live', 0, 100)).filter((r) => r.message_id === 'l12' || r.message_id === 'l14');
      await store.db.deleteFrom('delivery_logs').where('id', 'in', pending.map((r) => r.id)).execute();
      expect(await reader.poll()).toBe(true);
      expect(seen).toEqual(['l10', 'l11', 'l13', 'l15']);
      expect(await reader.poll()).toBe(false);
      const commit = ({ warnings, ...row }: (typeof pending)[number]) => store.db.insertInto('delivery_logs').values({ ...row, warnings_json: JSON.stringify(warnings) }).execute();
      await commit(pending[0]);
      now = 4000;
      await reader.poll();
      await reader.poll();
      expect(seen).toEqual(['l10', 'l11', 'l13', 'l15', 'l12']);
      // Past the look-back nothing at or below the cursor is looked for: l14 is never delivered.
      now = 10_000;
      await reader.poll();
      await commit(pending[1]);
      await store.logs.append([entry(16)]);
      await reader.poll();
      expect(seen).toEqual(['l10', 'l11', 'l13', 'l15', 'l12', 'l16']);
    } finally {
      reader.stop();
    }
  });

  it('keeps delivery logs with their payloads, per-minute counts, and cuts answers on characters', async () => {
    const emoji = '😀'.repeat(600);
    await store.logs.append([
      {
        integration_id: 'int_logs',
        message_id: 'x1',
        event_type: 'track',
        event_name: 'E',
        attempt: 1,
        status: 'delivered',
        http_status: 200,
        response: emoji,
        warnings: ['w'],
        duration_ms: 12.4,
        created_at: '2026-01-01T00:00:00.000Z',
        user_id: 'u1',
        event_json: '{"type":"track"}',
        calls: [{ method: 'POST', url: 'http://h/api/track', body: '{}', items: 1 }],
        instance_id: 'i1',
      },
      { integration_id: 'int_logs', message_id: 'x2', attempt: 1, status: 'failed', warnings: [], duration_ms: 0, created_at: '2026-01-01T00:00:01.000Z', anonymous_id: 'a2' },
    ]);
    const page = await store.logs.page('int_logs', { limit: 10, status: 'delivered' });
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]).toMatchObject({ message_id: 'x1', warnings: ['w'], duration_ms: 12, user_id: 'u1', instance_id: 'i1' });
    expect(page.rows[0].response).toBe(cutCharacters(emoji, 1024));
    expect(page.rows[0].response!.length).toBe(1024);
    expect((await store.logs.page('int_logs', { limit: 10, user: 'a2' })).rows.map((r) => r.message_id)).toEqual(['x2']);
    const [detail] = await store.logs.ofMessage('int_logs', 'x1');
    expect(detail.event).toEqual({ type: 'track' });
    expect(detail.calls).toEqual([{ method: 'POST', url: 'http://h/api/track', body: '{}', items: 1 }]);
    await store.logs.count('int_logs', 60_000, { delivered: 3, dead: 1 });
    await store.logs.count('int_logs', 60_000, { delivered: 2 });
    expect(await store.logs.counts('int_logs', 0)).toEqual(
      expect.arrayContaining([
        { minute: 60_000, status: 'delivered', count: 5 },
        { minute: 60_000, status: 'dead', count: 1 },
      ]),
    );
    expect(await store.logs.prune('2026-01-01T00:00:00.500Z')).toBe(1);
  });

  it('keeps every log row of a large batch as written, whatever characters its texts hold, in order', async () => {
    const odd = ['q"uote', 'back\\slash', 'com,ma', '{brace}', 'NULL', '', ' ', 'line\nbreak', 'caf\u00e9 \u{1F600}', "it's"];
    const entries = Array.from({ length: 1100 }, (_, i) => ({
      integration_id: 'int_many_logs',
      message_id: `m-${odd[i % odd.length]}-${i}`,
      event_type: i % 7 === 0 ? undefined : 'track',
      event_name: odd[(i + 3) % odd.length],
      attempt: 1 + (i % 3),
      status: i % 2 === 0 ? 'delivered' : 'retryable',
      http_status: i % 4 === 0 ? undefined : 200,
      code: i % 2 === 0 ? undefined : 'server_error',
      message: odd[(i + 5) % odd.length],
      response: i % 5 === 0 ? undefined : `{"error":"${odd[i % odd.length]}"}`,
      warnings: i % 3 === 0 ? [odd[i % odd.length]] : [],
      duration_ms: i,
      created_at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      user_id: i % 2 === 0 ? `user-${odd[i % odd.length]}` : undefined,
      anonymous_id: i % 3 === 0 ? undefined : `anon-${i}`,
      event_json: `{"i":${i}}`,
      calls: i % 6 === 0 ? [] : [{ method: 'POST', url: 'http://h/api/track', body: JSON.stringify({ odd: odd[i % odd.length] }), items: 1 }],
      instance_id: 'i1',
    }));
    await store.logs.append(entries);
    const rows = await store.db.selectFrom('delivery_logs').selectAll().where('integration_id', '=', 'int_many_logs').orderBy('id').execute();
    expect(rows.map((r) => [r.message_id, r.event_type, r.event_name, Number(r.attempt), r.status, r.http_status === null ? null : Number(r.http_status), r.code, r.message, r.response, JSON.parse(r.warnings_json), Number(r.duration_ms), r.created_at, r.user_id, r.anonymous_id, r.event_json, r.calls_json === null ? [] : JSON.parse(r.calls_json)])).toEqual(
      entries.map((e) => [e.message_id, e.event_type ?? null, e.event_name, e.attempt, e.status, e.http_status ?? null, e.code ?? null, e.message, e.response ?? null, e.warnings, e.duration_ms, e.created_at, e.user_id ?? null, e.anonymous_id ?? null, e.event_json, e.calls]),
    );
  });

  it('adds up the data-quality counts per hour, code, event and property, keeps the newest 5 messageIds, and prunes whole hours past retention', async () => {
    const hour = 7 * HOUR;
    const tally = (code: string, eventName: string, property: string, count: number, samples: string[]) => ({ code, eventName, property, count, samples });
    await store.transaction((tx) => tx.quality.record('int_dq', hour, [tally('truncated_value', 'Signed Up', 'bio', 2, ['m2', 'm1']), tally('placeholder_id', 'Signed Up', 'userId', 1, ['m3'])]), 'relaxed');
    await store.transaction((tx) => tx.quality.record('int_dq', hour, [tally('truncated_value', 'Signed Up', 'bio', 4, ['m7', 'm6', 'm5', 'm4'])]), 'relaxed');
    await store.quality.record('int_dq', hour + HOUR, [tally('truncated_value', 'Signed Up', 'x'.repeat(300), 1, ['m8'])]);
    await store.quality.record('int_other', hour, [tally('truncated_value', 'Signed Up', 'bio', 9, ['o1'])]);
    expect(await store.quality.since('int_dq', hour)).toEqual([
      { hour: hour + HOUR, code: 'truncated_value', eventName: 'Signed Up', property: 'x'.repeat(NAME_CHARS), count: 1, samples: ['m8'] },
      ...[
        { hour, code: 'placeholder_id', eventName: 'Signed Up', property: 'userId', count: 1, samples: ['m3'] },
        { hour, code: 'truncated_value', eventName: 'Signed Up', property: 'bio', count: 6, samples: ['m7', 'm6', 'm5', 'm4', 'm2'] },
      ],
    ].sort((a, b) => b.hour - a.hour || a.code.localeCompare(b.code)).map((row) => expect.objectContaining(row)));
    expect(await store.quality.since('int_dq', hour + HOUR)).toHaveLength(1);
    // The hour that ended at the cutoff goes; the one still running at it stays.
    expect(await store.quality.prune(hour + HOUR)).toBe(3);
    expect((await store.quality.since('int_dq', 0)).map((r) => r.hour)).toEqual([hour + HOUR]);
  });

  it('runs a transaction all or nothing', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.queue.enqueue(['int_tx'], [item('t1')], 0);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.queue.depth('int_tx')).toEqual([]);
  });

  it('commits writes handed in together as one transaction, each with its own answer', async () => {
    const commits = new GroupCommit(store);
    const seen: Store[] = [];
    const write = (ids: string[]) =>
      commits.run(async (tx) => {
        seen.push(tx);
        return [...(await tx.queue.enqueue(['int_group'], ids.map((id) => item(id)), 0))].sort();
      });
    // The second write repeats g2: inside the group it is already queued, exactly as if it ran alone after the first.
    const answers = await Promise.all([write(['g1', 'g2']), write(['g2', 'g3']), write(['g4'])]);
    expect(answers).toEqual([['g1', 'g2'], ['g3'], ['g4']]);
    expect(new Set(seen).size).toBe(1);
    expect(await store.queue.depth('int_group')).toEqual([{ integration_id: 'int_group', state: 'pending', count: 4 }]);
  });

  it('never lets one write that cannot commit fail the others of its group', async () => {
    const commits = new GroupCommit(store);
    const bad = commits.run(async (tx) => {
      await tx.queue.enqueue(['int_group_bad'], [item('b1')], 0);
      throw new Error('this write cannot commit');
    });
    const good = commits.run((tx) => tx.queue.enqueue(['int_group_bad'], [item('b2')], 0));
    await expect(bad).rejects.toThrow('this write cannot commit');
    expect([...(await good)]).toEqual(['b2']);
    expect((await store.queue.claim('int_group_bad', 'x', 0, 1000, 10)).map((q) => q.messageId)).toEqual(['b2']);
  });

  it('refuses a database migrated by a newer host, in one line', async () => {
    await store.db.insertInto('kysely_migration' as never).values({ name: '9999_from_the_future', timestamp: new Date().toISOString() } as never).execute();
    await expect(Store.open(location, silentLogger)).rejects.toThrow(
      new StartupError(`The database (${store.description}) has schema version 9999_from_the_future, newer than this host knows (up to 0006_log_revision): run the newer host version, or point this one at another database.`),
    );
    await store.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '9999_from_the_future' as never).execute();
  });
});

describe('the SQLite file', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'datafly-sqlite-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('keeps the data directory and the database owner-only', async () => {
    const dataDir = dir();
    const store = await Store.open({ engine: 'sqlite', dataDir }, silentLogger);
    await store.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'host.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('opens a data directory of the first release and brings it up to date, keeping its data', async () => {
    const dataDir = dir();
    const old = new Database(join(dataDir, 'host.sqlite'));
    old.exec(`CREATE TABLE integrations (id TEXT PRIMARY KEY, catalog_key TEXT NOT NULL, name TEXT NOT NULL, variant TEXT NOT NULL, delivery_mode TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1, config_json TEXT NOT NULL, secrets_json TEXT NOT NULL, blueprint_json TEXT NOT NULL, revision INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE revisions (integration_id TEXT NOT NULL, revision_number INTEGER NOT NULL, config_json TEXT NOT NULL, secrets_json TEXT NOT NULL, blueprint_json TEXT NOT NULL, enabled INTEGER NOT NULL, delivery_mode TEXT NOT NULL, change_summary TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (integration_id, revision_number));
      CREATE TABLE queue (id INTEGER PRIMARY KEY AUTOINCREMENT, integration_id TEXT NOT NULL, message_id TEXT NOT NULL, event_json TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, accepted_at INTEGER NOT NULL, last_status TEXT, last_code TEXT, last_error TEXT, last_http_status INTEGER, dead_at INTEGER, UNIQUE (integration_id, message_id));
      CREATE INDEX queue_due ON queue (integration_id, state, next_attempt_at, id);
      CREATE TABLE delivery_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, integration_id TEXT NOT NULL, message_id TEXT NOT NULL, event_type TEXT, event_name TEXT, attempt INTEGER NOT NULL, status TEXT NOT NULL, http_status INTEGER, code TEXT, message TEXT, response TEXT, warnings_json TEXT NOT NULL, duration_ms INTEGER NOT NULL, created_at TEXT NOT NULL);
      CREATE INDEX delivery_logs_by_integration ON delivery_logs (integration_id, id);
      CREATE INDEX delivery_logs_by_message ON delivery_logs (integration_id, message_id);
      PRAGMA user_version = 1;
      INSERT INTO queue (integration_id, message_id, event_json, state, next_attempt_at, accepted_at) VALUES ('int_old', 'm-old', '{"type":"track","event":"E","messageId":"m-old"}', 'pending', 0, 0);`);
    old.close();
    const store = await Store.open({ engine: 'sqlite', dataDir }, silentLogger);
    expect((await store.queue.claim('int_old', 'me', 1, 1000, 10)).map((q) => q.messageId)).toEqual(['m-old']);
    await store.close();
  });

  it('refuses an emptied database file unless told to initialise it', async () => {
    const dataDir = dir();
    writeFileSync(join(dataDir, 'host.sqlite'), '');
    await expect(Store.open({ engine: 'sqlite', dataDir }, silentLogger)).rejects.toThrow(
      `The database file ${join(dataDir, 'host.sqlite')} is empty (0 bytes): it may have been truncated or replaced, and starting on it would begin with no integrations and no queue. Restore it from a backup, or set DATAFLY_INIT_DATABASE=1 to initialise it as a new, empty host database.`,
    );
    const store = await Store.open({ engine: 'sqlite', dataDir, initialise: true }, silentLogger);
    await store.close();
  });

  it('names a corrupt database file and what to do', async () => {
    const dataDir = dir();
    writeFileSync(join(dataDir, 'host.sqlite'), 'this is not a database, just text that is long enough to look like a header'.repeat(100));
    await expect(Store.open({ engine: 'sqlite', dataDir }, silentLogger)).rejects.toThrow(
      `The database file ${join(dataDir, 'host.sqlite')} is corrupt (SQLITE_NOTADB): stop the host, restore the file from a backup (or move it aside to start empty), then start again.`,
    );
  });
});

describe('PostgreSQL that does not answer', () => {
  it('fails to start in one line naming host and port', async () => {
    await expect(Store.open({ engine: 'postgres', url: 'postgres://postgres:secret-pw@127.0.0.1:1/nowhere' }, silentLogger)).rejects.toThrow(
      /^PostgreSQL at 127\.0\.0\.1:1\/nowhere did not accept a connection \(ECONNREFUSED: .*\): check DATABASE_URL and that the server runs\.$/,
    );
  });
});
