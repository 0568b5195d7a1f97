import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeapPlugin } from '@datafly/heap-integration';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { judgeBatch } from '../dist/host/delivery/batch-verdict.js';
import { claimedEvent } from '../dist/host/delivery/claimed-event.js';
import { IngestionService } from '../dist/host/ingest.js';
import { Store } from '../dist/host/store/store.js';
import { RetryPolicy } from '../dist/common/retry-policy.js';
import { startNullHeap } from './deliver.js';
import { trackEvents } from './floor.js';
import { openFloorSqlite, trackBody } from './floor-parts.js';

/**
 * `npm run bench:profile -- delivery-steps`: where delivery's CPU goes, step by step, in this process
 * on SQLite over the floor comparison's track events (1000 per batch), µs per event of each step a
 * worker takes (claim, the plugin's deliver() to a null Heap, the verdict, the settle and its parts),
 * beside what the floor host does (read, parse + flatten + serialise, delete). A host process spends
 * more on each (its heap, the thread around them); these say which step is worth cutting.
 * BENCH_ALLOCATIONS=1 also samples what our rounds allocate (bytes per event, by function): what the
 * collector has to clean up, which a thread's CPU pays for again.
 */
const BATCH = 1000;
/** A node of V8's sampling heap profile. */
interface AllocNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocNode[];
}
const nop = { debug() {}, info() {}, warn() {}, error() {}, child: () => nop } as never;
const metrics = { inc() {} } as never;

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

const totals = new Map<string, number>();
/** Runs `work` and adds its CPU time to `name`'s total. */
async function step<T>(name: string, work: () => T | Promise<T>): Promise<T> {
  const cpu0 = cpuUs();
  const result = await work();
  totals.set(name, (totals.get(name) ?? 0) + cpuUs() - cpu0);
  return result;
}

function report(rounds: number): void {
  for (const [name, us] of totals) console.log(`${name.padEnd(64)} ${(us / (rounds * BATCH)).toFixed(2).padStart(7)} µs CPU/event`);
  totals.clear();
}

/**
 * Bytes allocated per event by function, the largest first. A built-in (JSON.stringify, join) is named
 * with the three functions that called it: the built-in alone says nothing about whose work it was.
 */
function printAllocations(head: AllocNode, events: number): void {
  const bytes = new Map<string, number>();
  let total = 0;
  const name = (n: AllocNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/(dist|node_modules|src)\//, '$1/')}:${n.callFrame.lineNumber}`;
  const walk = (n: AllocNode, callers: string[]) => {
    total += n.selfSize;
    const builtIn = n.callFrame.url === '';
    const key = builtIn ? `${name(n)} <- ${callers.slice(-3).reverse().join(' <- ')}` : name(n);
    bytes.set(key, (bytes.get(key) ?? 0) + n.selfSize);
    for (const child of n.children) walk(child, [...callers, name(n)]);
  };
  walk(head, []);
  console.log(`allocated ${(total / events / 1024).toFixed(1)} KB per event, of which:`);
  for (const [key, size] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${((size / total) * 100).toFixed(1).padStart(6)}%  ${(size / events).toFixed(0).padStart(6)} B/event  ${key}`);
}

const dir = mkdtempSync(join(tmpdir(), 'deliver-steps-'));
const heap = await startNullHeap();
const store = await Store.open({ engine: 'sqlite', dataDir: dir }, nop);
const plugin = new HeapPlugin();
const blueprint = plugin.defaultBlueprint();
await store.db
  .insertInto('integrations')
  .values({ id: 'bench', catalog_key: 'heap', name: 'b', variant: 'v', delivery_mode: 'batch', enabled: 1, config_json: '{}', secrets_json: '{}', blueprint_json: JSON.stringify(blueprint), revision: 1, created_at: '', updated_at: '' } as never)
  .execute();
const adapter = plugin.createAdapter({ integrationId: 'bench', config: { app_id: '1234567890', api_key: 'bench-key', endpoint: heap.url, region: 'us', timeout_ms: 30_000 }, blueprint }, { logger: nop, clock: Date.now });
const ingestion = new IngestionService(store, { list: () => [{}], enabledIds: () => ['bench'] } as never, metrics, () => Date.now(), nop);
const retry = new RetryPolicy();

async function queueRound(round: number): Promise<void> {
  const batch = trackEvents(BATCH, 50 + round);
  batch.forEach((e, i) => (e.messageId = `d-${round}-${i}`));
  const result = await ingestion.ingest(batch as never, { bodyDepth: 10 });
  if (result.accepted.length !== BATCH) throw new Error('not accepted');
}

async function ourRound(round: number): Promise<void> {
  await queueRound(round);
  const now = Date.now();
  const claimed = await step('ours: claim (UPDATE, payloads read, JSON.parse)', () => store.queue.claim('bench', 'me', now, 60_000, BATCH));
  if (claimed.length !== BATCH) throw new Error(`claimed ${claimed.length}`);
  const events = claimed.map((q) => q.event) as DataflyEvent[];
  const results = await step("ours: the plugin's deliver() to a null Heap", () => adapter.deliver(events));
  const verdict = await step('ours: judgeBatch (outcomes, log entries, tallies)', () => judgeBatch(claimed.map(claimedEvent), results, { integrationId: 'bench', revision: 1, instanceId: 'me', retry, now: Date.now(), durationMs: 5 }));
  if (verdict.counts.delivered !== BATCH) throw new Error('not delivered');
  await step('ours: settle transaction', () =>
    store.transaction(async (tx) => {
      await step('  of which queue.settle (DELETE)', () => tx.queue.settle(verdict.outcomes, 'me', now));
      await step('  of which logs.append', () => tx.logs.append(verdict.logs));
      await step('  of which logs.count + quality.record', async () => {
        await tx.logs.count('bench', Math.floor(now / 60_000) * 60_000, verdict.counts);
        await tx.quality.record('bench', Math.floor(now / 3_600_000) * 3_600_000, verdict.quality);
      });
    }, 'relaxed'),
  );
}

/** The floor host's loop body (bench/floor-host.ts): read, parse + flatten + serialise, send, delete. */
const { db: floorDb, insert: floorInsert } = openFloorSqlite(join(dir, 'floor.sqlite'));
const floorClaim = floorDb.prepare('select id, event_json from queue order by id limit ?');
const floorRemove = floorDb.prepare('delete from queue where id in (select value from json_each(?))');

async function floorRound(round: number): Promise<void> {
  const batch = trackEvents(BATCH, 50 + round);
  floorDb.transaction(() => batch.forEach((e, i) => floorInsert.run(`f-${round}-${i}`, JSON.stringify({ ...e, messageId: `f-${round}-${i}`, timestamp: new Date().toISOString() }))))();
  const rows = await step('floor: SELECT', () => floorClaim.all(BATCH) as { id: number; event_json: string }[]);
  const body = await step('floor: parse + flatten + serialise', () => trackBody('1234567890', rows));
  await step('floor: send', () => fetch(`${heap.url}/api/track`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then((r) => r.text()));
  await step('floor: DELETE', () => floorRemove.run(JSON.stringify(rows.map((r) => r.id))));
}

try {
  const rounds = 30;
  console.log(`${BATCH} track events per batch, ${rounds} batches, SQLite`);
  for (let r = 0; r < 5; r++) await ourRound(-1 - r);
  totals.clear();
  const session = process.env.BENCH_ALLOCATIONS ? new (await import('node:inspector/promises')).Session() : undefined;
  if (session) {
    session.connect();
    await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  }
  for (let r = 0; r < rounds; r++) await ourRound(r);
  if (session) {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: AllocNode } };
    printAllocations(profile.head, rounds * BATCH);
  }
  report(rounds);
  for (let r = 0; r < 5; r++) await floorRound(-1 - r);
  totals.clear();
  for (let r = 0; r < rounds; r++) await floorRound(r);
  report(rounds);
} finally {
  await adapter.close();
  await store.close();
  floorDb.close();
  await heap.stop();
  rmSync(dir, { recursive: true, force: true });
}
