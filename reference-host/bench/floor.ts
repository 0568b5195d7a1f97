import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freePort, startNodeProcess } from '../tools/processes.js';
import { startNullHeap } from './deliver.js';
import { syntheticEvents } from './events.js';
import { BENCH_TOKENS, benchDatabase, cpuSeconds, ingest, json, processesCpuSeconds, startCluster, until, waiting, type Engine, type Proc } from './processes.js';

/**
 * The reference host (rate limits off) against the floor host (bench/floor-host.ts) on the same
 * machine, in one run: both take the same track events (nested properties and a products array) in
 * 1000-event requests from 4 senders, and deliver to the same sink, a Heap that answers 200 to
 * everything. Each host is warmed up first, then measured taking events alone (the sink stopped, so
 * nothing is delivered) and end to end (from the first request until its queue is empty).
 */

/** What one host did: events/s and its own process's CPU per event. */
export interface HostFigures {
  eventsPerSecond: number;
  cpuUsPerEvent: number;
  /** The PostgreSQL server's CPU per event over the same span (0 on SQLite; other users of the server count too). */
  postgresCpuUsPerEvent: number;
}

export interface FloorComparison {
  engine: Engine;
  events: number;
  floor: { ingestion: HostFigures; endToEnd: HostFigures };
  ours: { ingestion: HostFigures; endToEnd: HostFigures };
  /** Ours with delivery in the thread that takes requests (DATAFLY_DELIVERY_THREAD=off): what the second thread gives. */
  oursOneThread: { ingestion: HostFigures; endToEnd: HostFigures };
}

/** Track events as a collector sends them (no timestamp: each host stamps acceptance), 0.5–2 KB each. */
export function trackEvents(count: number, seed: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let batch = 0; out.length < count; batch++) {
    for (const { timestamp: _t, ...event } of syntheticEvents(count * 4, seed * 100 + batch)) {
      if (event.type === 'track' && out.length < count) out.push(event);
    }
  }
  return out;
}

/** A host under test: where to send, how to tell its queue is empty, and how to end it. */
export interface HostUnderTest {
  host: Proc;
  sink: Proc;
  queued(): Promise<number>;
  stop(): Promise<void>;
}

export async function startFloor(engine: Engine, nodeArgs: string[] = []): Promise<HostUnderTest> {
  const sink = await startNullHeap();
  const dataDir = mkdtempSync(`${tmpdir()}/datafly-floor-`);
  const database = engine === 'postgres' ? await benchDatabase(`datafly_floor_${process.pid}`) : undefined;
  const port = await freePort();
  const env = { PORT: String(port), HEAP_URL: sink.url, PIPELINE_KEY: BENCH_TOKENS.pipeline, DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) };
  const host = await startNodeProcess([...nodeArgs, '--import', 'tsx', 'bench/floor-host.ts'], env, `http://127.0.0.1:${port}`, '/queued');
  return {
    host,
    sink,
    queued: async () => (await json(`${host.url}/queued`)).queued,
    async stop() {
      await host.stop();
      await sink.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startOurs(engine: Engine, deliveryThread: 'on' | 'off', nodeArgs: string[] = []): Promise<HostUnderTest> {
  const cluster = await startCluster({ engine, env: { DATAFLY_RATE_LIMITS: 'off', DATAFLY_DELIVERY_THREAD: deliveryThread }, nullHeap: true, installExtra: { timeout_ms: 120_000 }, nodeArgs });
  const [host] = cluster.hosts;
  return { host, sink: cluster.sandbox, queued: () => waiting(host, cluster.integrations[0]), stop: () => cluster.stop() };
}

/** CPU of the host (and of PostgreSQL) and the wall time over `work`. */
async function measured(target: HostUnderTest, count: number, work: () => Promise<void>): Promise<HostFigures> {
  const cpu0 = cpuSeconds(target.host);
  const pg0 = processesCpuSeconds('postgres');
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  return { eventsPerSecond: count / seconds, cpuUsPerEvent: ((cpuSeconds(target.host) - cpu0) / count) * 1e6, postgresCpuUsPerEvent: ((processesCpuSeconds('postgres') - pg0) / count) * 1e6 };
}

async function run(target: HostUnderTest, engine: Engine, count: number, seed: number): Promise<{ ingestion: HostFigures; endToEnd: HostFigures }> {
  const senders = 4;
  const empty = () => until(async () => (await target.queued()) === 0, 1_800_000, 'queue empty', 100);
  try {
    await ingest(target.host, trackEvents(Math.min(count, 5000), seed), senders);
    await empty();
    const taken = trackEvents(count, seed + 1);
    target.sink.child.kill('SIGSTOP');
    const ingestion = await measured(target, count, () => ingest(target.host, taken, senders));
    target.sink.child.kill('SIGCONT');
    await empty();
    const events = trackEvents(count, seed + 2);
    const endToEnd = await measured(target, count, async () => {
      await ingest(target.host, events, senders);
      await empty();
    });
    if (engine === 'sqlite') (ingestion.postgresCpuUsPerEvent = 0), (endToEnd.postgresCpuUsPerEvent = 0);
    return { ingestion, endToEnd };
  } finally {
    target.sink.child.kill('SIGCONT');
    await target.stop();
  }
}

export async function floorComparison(engine: Engine, count: number): Promise<FloorComparison> {
  const floor = await run(await startFloor(engine), engine, count, 31);
  const ours = await run(await startOurs(engine, 'on'), engine, count, 31);
  const oursOneThread = await run(await startOurs(engine, 'off'), engine, count, 31);
  return { engine, events: count, floor, ours, oursOneThread };
}
