import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { openFloorSqlite, trackBody } from './floor-parts.js';

/**
 * The floor: the least a host can do for the same promise, written for `npm run bench` to compare the
 * reference host against on the same machine in the same run. `POST /v1/batch` takes up to 1000
 * track events, fills messageId and timestamp, and answers 200 only once they are committed
 * (SQLite in WAL with synchronous=FULL, or PostgreSQL with its default synchronous commit). Four
 * delivery loops send the queue to Heap's `/api/track` in 1000-event bulks over keep-alive, messageId
 * as idempotency key, properties flattened, and delete the rows after Heap's 200. No logs, no limits,
 * no leases (on SQLite the claim is a cursor in memory; on PostgreSQL the open transaction's row
 * locks, taken with `FOR UPDATE SKIP LOCKED`). `GET /queued` answers how many rows wait.
 *
 * Run as its own process: `node --import tsx bench/floor-host.ts` with PORT, HEAP_URL, PIPELINE_KEY,
 * and DATA_DIR (SQLite) or DATABASE_URL (PostgreSQL).
 */

const BULK = 1000;
const IN_FLIGHT = 4;

interface Row {
  id: number;
  event_json: string;
}

/** The statements both engines run: only claims differ (a cursor on SQLite, SKIP LOCKED on PostgreSQL). */
interface FloorStore {
  enqueue(rows: { messageId: string; json: string }[]): Promise<void>;
  /** One loop's claim → send → delete. `send` answers whether Heap took the bulk. */
  deliverOne(send: (rows: Row[]) => Promise<boolean>): Promise<number>;
  queued(): Promise<number>;
}

function sqliteStore(dataDir: string): FloorStore {
  const { db, insert } = openFloorSqlite(join(dataDir, 'floor.sqlite'));
  const insertAll = db.transaction((rows: { messageId: string; json: string }[]) => {
    for (const r of rows) insert.run(r.messageId, r.json);
  });
  const claim = db.prepare('select id, event_json from queue where id > ? order by id limit ?');
  const remove = db.prepare('delete from queue where id in (select value from json_each(?))');
  const count = db.prepare('select count(*) as n from queue');
  // One process: what is claimed is what lies below the cursor and is not yet deleted (ids never
  // come back, autoincrement, so a row queued after the table emptied is above the cursor).
  let cursor = 0;
  const failed: Row[][] = [];
  return {
    async enqueue(rows) {
      insertAll(rows);
    },
    async deliverOne(send) {
      const rows = failed.shift() ?? (claim.all(cursor, BULK) as Row[]);
      if (rows.length === 0) return 0;
      cursor = Math.max(cursor, rows[rows.length - 1].id);
      if (!(await send(rows))) {
        failed.push(rows);
        return 0;
      }
      remove.run(JSON.stringify(rows.map((r) => r.id)));
      return rows.length;
    },
    async queued() {
      return (count.get() as { n: number }).n;
    },
  };
}

async function postgresStore(url: string): Promise<FloorStore> {
  const pool = new pg.Pool({ connectionString: url, max: IN_FLIGHT + 4 });
  await pool.query('create table if not exists queue (id bigserial primary key, message_id text not null unique, event_json text not null)');
  return {
    async enqueue(rows) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        for (let i = 0; i < rows.length; i += 500) {
          const chunk = rows.slice(i, i + 500);
          const values = chunk.map((_, k) => `($${2 * k + 1}, $${2 * k + 2})`).join(',');
          await client.query(`insert into queue (message_id, event_json) values ${values} on conflict (message_id) do nothing`, chunk.flatMap((r) => [r.messageId, r.json]));
        }
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
    async deliverOne(send) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const { rows } = await client.query<Row>('select id, event_json from queue order by id limit $1 for update skip locked', [BULK]);
        if (rows.length > 0 && (await send(rows))) await client.query('delete from queue where id = any($1)', [rows.map((r) => r.id)]);
        await client.query('commit');
        return rows.length;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
    async queued() {
      return Number((await pool.query('select count(*) as n from queue')).rows[0].n);
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function ingest(store: FloorStore, text: string): Promise<{ status: number; body: unknown }> {
  const batch = (JSON.parse(text) as { batch?: unknown }).batch;
  if (!Array.isArray(batch) || batch.length > BULK) return { status: 400, body: { error: 'batch: an array of at most 1000 events' } };
  const now = new Date().toISOString();
  const rows: { messageId: string; json: string }[] = [];
  const rejected: { index: number; reason: string }[] = [];
  batch.forEach((e: Record<string, unknown>, index) => {
    if (!e || typeof e !== 'object' || e.type !== 'track' || typeof e.event !== 'string' || (typeof e.userId !== 'string' && typeof e.anonymousId !== 'string')) {
      rejected.push({ index, reason: 'a track event needs event and userId or anonymousId' });
      return;
    }
    if (typeof e.messageId !== 'string') e.messageId = randomUUID();
    if (typeof e.timestamp !== 'string') e.timestamp = now;
    rows.push({ messageId: e.messageId as string, json: JSON.stringify(e) });
  });
  await store.enqueue(rows);
  return { status: 200, body: { accepted: rows.length, rejected } };
}

async function main(): Promise<void> {
  const env = process.env;
  const store = env.DATABASE_URL ? await postgresStore(env.DATABASE_URL) : sqliteStore(env.DATA_DIR ?? '.');
  const heap = new URL(`${env.HEAP_URL}/api/track`);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const appId = env.HEAP_APP_ID ?? '1234567890';
  const pipelineAuth = `Bearer ${env.PIPELINE_KEY}`;

  const send = (rows: Row[]) =>
    new Promise<boolean>((resolve) => {
      const body = trackBody(appId, rows);
      const req = request(heap, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end(body);
    });

  const sleeping = new Set<() => void>();
  const wake = () => {
    for (const r of sleeping) r();
    sleeping.clear();
  };
  const loop = async () => {
    for (;;) {
      const sent = await store.deliverOne(send).catch(() => 0);
      if (sent === 0) await new Promise<void>((r) => (sleeping.add(r), setTimeout(r, 50)));
    }
  };

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/queued') return void store.queued().then((n) => answer(res, 200, { queued: n }));
    if (req.method !== 'POST' || req.url !== '/v1/batch') return void answer(res, 404, { error: 'not found' });
    if (req.headers.authorization !== pipelineAuth) return void answer(res, 401, { error: 'unauthorized' });
    readBody(req)
      .then((text) => ingest(store, text))
      .then(
        ({ status, body }) => {
          answer(res, status, body);
          wake();
        },
        (error: unknown) => answer(res, 503, { error: String(error) }),
      );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(env.PORT), '127.0.0.1');
  for (let i = 0; i < IN_FLIGHT; i++) void loop();
}

await main();
