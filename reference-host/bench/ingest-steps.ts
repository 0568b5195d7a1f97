import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { checkIncoming } from '../dist/common/incoming-event.js';
import { decodeUtf8 } from '../dist/common/utf8.js';
import { parseJsonBody } from '../dist/host/http/body.js';
import { IngestionService } from '../dist/host/ingest.js';
import { Store } from '../dist/host/store/store.js';
import { trackEvents } from './floor.js';
import { openFloorSqlite } from './floor-parts.js';
import { benchDatabase } from './processes.js';

/**
 * `npm run bench:profile -- steps`: where ingestion's CPU goes, step by step, in
 * this process over the floor comparison's track events (1000 per request): µs per event of each step
 * ours takes, beside what the floor host (bench/floor-host.ts) does for it. A host process spends more
 * on each (its heap, the HTTP around them); these say which step is worth cutting.
 */
const BATCH = 1000;
const events = trackEvents(BATCH, 41);
const body = Buffer.from(JSON.stringify({ batch: events }));
const nop = { debug() {}, info() {}, warn() {}, error() {} } as never;
const metrics = { inc() {} } as never;

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Runs `work` on what `prepare` made for its round, and prints the CPU and wall time of `work` alone
 * per event. Each round's input is made afresh and dropped after: inputs held for every round would
 * make the heap, and every collection, larger than a host's.
 */
async function timed<T>(name: string, rounds: number, prepare: (round: number) => T, work: (input: T) => unknown): Promise<void> {
  for (let r = 0; r < 5; r++) await work(prepare(-1 - r));
  let cpu = 0;
  let wall = 0;
  for (let r = 0; r < rounds; r++) {
    const input = prepare(r);
    const wall0 = performance.now();
    const cpu0 = cpuUs();
    await work(input);
    cpu += cpuUs() - cpu0;
    wall += (performance.now() - wall0) * 1000;
  }
  const per = (us: number) => (us / (rounds * BATCH)).toFixed(2).padStart(7);
  console.log(`${name.padEnd(60)} ${per(cpu)} µs CPU/event ${per(wall)} µs wall/event`);
}

const parse = () => (JSON.parse(body.toString()) as { batch: Record<string, unknown>[] }).batch;
const stamp = (batch: Record<string, unknown>[], round: number, tag: string) => {
  batch.forEach((e, i) => (e.messageId = `${tag}-${round}-${i}-${process.pid}`));
  return batch;
};
const none = () => undefined;

/** Parsing, checking and serialising, which take no store. */
async function memorySteps(): Promise<void> {
  console.log(`${BATCH} track events, ${(body.length / BATCH).toFixed(0)} bytes each`);
  await timed('floor: toString + JSON.parse', 40, none, () => JSON.parse(body.toString('utf8')));
  await timed('ours: decodeUtf8 + parseJsonBody (depth scan + JSON.parse)', 40, none, () => parseJsonBody(decodeUtf8(body).text));
  await timed('  of which decodeUtf8', 40, none, () => decodeUtf8(body));
  await timed('floor: typeof checks + fill', 30, parse, (batch) => {
    const now = new Date().toISOString();
    for (const e of batch) {
      if (!e || typeof e !== 'object' || e.type !== 'track' || typeof e.event !== 'string' || (typeof e.userId !== 'string' && typeof e.anonymousId !== 'string')) continue;
      if (typeof e.messageId !== 'string') e.messageId = randomUUID();
      if (typeof e.timestamp !== 'string') e.timestamp = now;
    }
  });
  const now = new Date().toISOString();
  const fill = { messageId: randomUUID, timestamp: () => now, receivedAt: () => now };
  await timed('ours: checkIncoming (shallow: the body was no deeper than 64)', 30, parse, (batch) => {
    for (const e of batch) checkIncoming(e, fill, { shallow: true });
  });
  await timed('JSON.stringify per event (both)', 40, parse, (batch) => {
    for (const e of batch) JSON.stringify(e);
  });
}

async function ourStore(store: Store, label: string, rounds: number): Promise<void> {
  await store.db.insertInto('integrations').values({ id: 'bench', catalog_key: 'heap', name: 'b', variant: 'v', delivery_mode: 'batch', enabled: 1, config_json: '{}', secrets_json: '{}', blueprint_json: '{}', revision: 1, created_at: '', updated_at: '' } as never).execute();
  const directory = { list: () => [{}], enabledIds: () => ['bench'] } as never;
  const service = new IngestionService(store, directory, metrics, () => Date.now(), nop);
  await timed(`ours ${label}: IngestionService.ingest (check, stringify, store)`, rounds, (round) => stamp(parse(), round, 'svc'), async (batch) => {
    const result = await service.ingest(batch, { bodyDepth: 10 });
    if (result.accepted.length !== BATCH) throw new Error('not accepted');
  });
  const jsons = events.map((e) => JSON.stringify(e));
  const rows = (round: number) => jsons.map((json, i) => ({ messageId: `tx-${round}-${i}`, json, userId: null, anonymousId: (events[i].anonymousId as string) ?? null }));
  await timed(`ours ${label}: store.transaction(routes + enqueue)`, rounds, rows, (items) =>
    store.transaction(async (tx) => {
      const routes = await tx.integrations.routes();
      await tx.queue.enqueue(routes.enabled, items, Date.now());
    }, 'full'),
  );
}

/** The store transaction on a SQLite file in WAL, as the host opens it, and the floor's inserts. */
async function sqliteSteps(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-steps-'));
  const store = await Store.open({ engine: 'sqlite', dataDir: dir }, nop);
  await ourStore(store, 'SQLite', 60);
  await store.close();
  const { db, insert } = openFloorSqlite(join(dir, 'floor.sqlite'));
  const insertAll = db.transaction((rows: { messageId: string; json: string }[]) => {
    for (const r of rows) insert.run(r.messageId, r.json);
  });
  const jsons = events.map((e) => JSON.stringify(e));
  await timed('floor SQLite: prepared INSERT per row in one transaction', 60, (round) => jsons.map((json, i) => ({ messageId: `f-${round}-${i}`, json })), insertAll);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

/** The store transaction on the machine's PostgreSQL, and the floor's inserts. */
async function postgresSteps(): Promise<void> {
  const database = await benchDatabase(`ingest_steps_${process.pid}`);
  try {
    const store = await Store.open({ engine: 'postgres', url: database.url }, nop);
    await ourStore(store, 'PostgreSQL', 30);
    await store.close();
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await pool.query('create table if not exists fqueue (id bigserial primary key, message_id text not null unique, event_json text not null)');
    const jsons = events.map((e) => JSON.stringify(e));
    await timed('floor PostgreSQL: two 500-row INSERTs in one transaction', 30, (round) => jsons.map((json, i) => ({ messageId: `f-${round}-${i}`, json })), async (rows) => {
      const client = await pool.connect();
      await client.query('begin');
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const values = chunk.map((_, k) => `($${2 * k + 1}, $${2 * k + 2})`).join(',');
        await client.query(`insert into fqueue (message_id, event_json) values ${values} on conflict (message_id) do nothing`, chunk.flatMap((r) => [r.messageId, r.json]));
      }
      await client.query('commit');
      client.release();
    });
    await pool.end();
  } finally {
    await database.drop();
  }
}

await memorySteps();
await sqliteSteps();
await postgresSteps();
