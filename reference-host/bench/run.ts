import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { HeapPlugin } from '@datafly/heap-integration';
import { benchBackfill } from './backfill.js';
import { benchClients, deliverCpuPerEvent } from './client.js';
import { benchDeliverVsFloor } from './deliver.js';
import { syntheticEvents } from './events.js';
import { clusterDeadlocks } from './deadlocks.js';
import { floorComparison } from './floor.js';
import { bucketCost, endToEnd, ingestionOnly, latencyAt, manyIntegrations, queueScale, requestSizes, underHeapLimits, type EndToEnd } from './host.js';
import { json, sandboxStats, startSandboxProcess } from './processes.js';
import { benchTransform } from './transform.js';

/**
 * `npm run bench [-- section ...]`: every figure of the performance, cluster and backfill issues on this
 * machine, printed as one table and written to bench/results/ with the machine's facts. Sections:
 * floor, deadlocks, transform, deliver, client, adapter, e2e, ingestion, latency, limits, buckets, integrations, scale, sizes,
 * backfill. `npm run bench -- client` runs the HTTP client rows alone (got against undici).
 * BENCH_QUICK=1 shrinks every size and window (a smoke run, not figures to quote).
 */
const QUICK = process.env.BENCH_QUICK === '1';
const chosen = new Set(process.argv.slice(2));
const runs = (name: string) => chosen.size === 0 || chosen.has(name);
const rows: { benchmark: string; figure: string; value: string; baseline?: string; ratio?: string }[] = [];
const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), loadAtStart: loadavg().map((l) => Number(l.toFixed(2))) };
const results: Record<string, unknown> = { machine, quick: QUICK, started: new Date().toISOString() };

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const log = (text: string) => process.stderr.write(`${text}\n`);
const row = (benchmark: string, figure: string, value: string, baseline = '', ratio = '') => rows.push({ benchmark, figure, value, baseline, ratio });

if (runs('floor')) {
  const count = QUICK ? 5000 : 30_000;
  const floors = [];
  for (const engine of ['sqlite', 'postgres'] as const) {
    log(`ours against the floor host: ${engine}…`);
    const r = await floorComparison(engine, count);
    floors.push(r);
    const name = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const bench = `ours (limits off) against the floor host, ${name}`;
    const pgCpu = (f: { postgresCpuUsPerEvent: number }) => (engine === 'postgres' ? ` (+ ${fmt(f.postgresCpuUsPerEvent)} PostgreSQL)` : '');
    const pair = (figure: string, ours: number, floor: number, goal: string, suffix = ['', '']) => row(bench, figure, `${fmt(ours)}${suffix[0]}`, `${fmt(floor)}${suffix[1]}`, `${fmt(ours / floor, 2)}×${goal}`);
    pair(`end to end: events/s (${fmt(count)} track events)`, r.ours.endToEnd.eventsPerSecond, r.floor.endToEnd.eventsPerSecond, engine === 'sqlite' ? ' (goal ≥ 0.7×)' : ' (goal ≥ 0.6×)');
    pair('end to end: host CPU µs per event', r.ours.endToEnd.cpuUsPerEvent, r.floor.endToEnd.cpuUsPerEvent, engine === 'sqlite' ? ' (goal ≤ 1.5×)' : '', [pgCpu(r.ours.endToEnd), pgCpu(r.floor.endToEnd)]);
    pair('ingestion alone: events/s', r.ours.ingestion.eventsPerSecond, r.floor.ingestion.eventsPerSecond, '');
    pair('ingestion alone: host CPU µs per event', r.ours.ingestion.cpuUsPerEvent, r.floor.ingestion.cpuUsPerEvent, engine === 'sqlite' ? ' (goal ≤ 1.5×)' : '', [pgCpu(r.ours.ingestion), pgCpu(r.floor.ingestion)]);
    pair('delivery in the host\'s thread: end to end events/s', r.oursOneThread.endToEnd.eventsPerSecond, r.floor.endToEnd.eventsPerSecond, '');
    pair('delivery in the host\'s thread: end to end host CPU µs per event', r.oursOneThread.endToEnd.cpuUsPerEvent, r.floor.endToEnd.cpuUsPerEvent, '', [pgCpu(r.oursOneThread.endToEnd), pgCpu(r.floor.endToEnd)]);
  }
  results.floor = floors;
}

if (runs('deadlocks')) {
  log('three instances on PostgreSQL, limits on, 21 clients: deadlocks…');
  const r = await clusterDeadlocks(QUICK ? 20_000 : 60_000);
  results.deadlocks = r;
  row('PostgreSQL cluster, 3 instances, limits on (windows ÷50), 21 clients', `deadlocks PostgreSQL broke while ${fmt(r.events)} events arrived in ${fmt(r.seconds, 1)} s; events still waiting 10 s later`, `${r.deadlocks}; ${fmt(r.waitingAfter)}`, '', 'goal 0 deadlocks');
}

if (runs('transform')) {
  log('transform…');
  const events = syntheticEvents(2000) as DataflyEvent[];
  const pick = await benchTransform(events);
  results.transform = pick;
  row('transform', 'events/s (median of 9 alternating rounds)', fmt(pick.transformEps), `${fmt(pick.floorEps)} (JSON round trip)`, `${fmt(pick.ratio, 2)}×`);
}

if (runs('deliver')) {
  log('deliver() to a null Heap…');
  const events = syntheticEvents(QUICK ? 5000 : 20_000, 20261128) as DataflyEvent[];
  for (const adapter of ['warm', 'fresh'] as const) {
    const r = await benchDeliverVsFloor(events, { adapter, rounds: QUICK ? 3 : 7 });
    (results.deliver ??= {} as Record<string, unknown>) && ((results.deliver as Record<string, unknown>)[adapter] = r);
    const what = adapter === 'warm' ? 'merges Heap already accepted are not sent again' : 'every identify merge sent (a request each)';
    row('deliver() → null Heap', `events/s, 1000-event bulks, keep-alive; ${what}`, fmt(r.deliverEps), `${fmt(r.floorEps)} (JSON round trip)`, `${fmt(r.ratio, 2)}× (goal ≥ 0.6×)`);
  }
}

if (runs('client')) {
  log('HTTP clients (got, undici) → null Heap…');
  const sizes = QUICK ? { singles: 2000, bulks: 5, merges: 2000 } : { singles: 10_000, bulks: 20, merges: 10_000 };
  const figures = await benchClients({ sizes, rounds: QUICK ? 3 : 7 });
  const deliverUs = await deliverCpuPerEvent(QUICK ? 5000 : 20_000, QUICK ? 2 : 5);
  results.client = { figures, deliverCpuUsPerEvent: deliverUs };
  const kb = (f: (typeof figures)[number]) => fmt(f.bodyBytes / f.requests / 1024, 1);
  const what = {
    single: (f: (typeof figures)[number]) => `CPU µs per request: single small requests (one track event, ${fmt(f.bodyBytes / f.requests)} B)`,
    bulk: (f: (typeof figures)[number]) => `CPU µs per event: 1000-event bulks (events of 0.5–2 KB, ${kb(f)} KB per request)`,
    merge: () => 'CPU µs per identify merge (a request each)',
  };
  for (const f of figures) {
    const figure = f.workload === 'bulk' ? 'usPerEvent' : 'usPerRequest';
    row('HTTP client → null Heap, keep-alive, 4 in flight', `${what[f.workload](f)}; got vs undici`, `${fmt(f.got[figure], 1)} (got)`, `${fmt(f.undici[figure], 1)} (undici)`, `${fmt(f.got[figure] / f.undici[figure], 2)}×`);
  }
  row('HTTP client → null Heap, keep-alive, 4 in flight', 'for proportion: the whole deliver() with got, CPU µs per event (synthetic mix, every merge sent)', fmt(deliverUs, 1));
}

if (runs('adapter')) {
  log('adapter → validating sandbox…');
  const sandbox = await startSandboxProcess({ limits: false, apiKey: 'bench-key' });
  try {
    const plugin = new HeapPlugin();
    const adapter = plugin.createAdapter({ integrationId: 'bench', config: { app_id: '1234567890', api_key: 'bench-key', endpoint: sandbox.url, region: 'us', timeout_ms: 10_000 }, blueprint: plugin.defaultBlueprint() });
    await adapter.deliver(syntheticEvents(2000, 6) as DataflyEvent[]);
    const all = [];
    for (let r = 0; r < 3; r++) {
      const events = syntheticEvents(QUICK ? 10_000 : 50_000, 7 + r) as DataflyEvent[];
      await json(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < events.length; i += 1000) await adapter.deliver(events.slice(i, i + 1000));
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const stats = await sandboxStats(sandbox);
      all.push({ eps: events.length / seconds, rps: stats.requests / seconds, cpuUsPerEvent: (used.user + used.system) / events.length });
    }
    await adapter.close();
    const m = all.sort((a, b) => a.eps - b.eps)[1];
    results.adapter = all;
    row('adapter → validating sandbox', 'events/s; requests/s; plugin CPU µs per event', `${fmt(m.eps)}; ${fmt(m.rps)}; ${fmt(m.cpuUsPerEvent, 1)}`);
  } finally {
    await sandbox.stop();
  }
}

let sqliteSaturation: number | undefined;
if (runs('e2e')) {
  const count = QUICK ? 10_000 : 50_000;
  const all: EndToEnd[] = [];
  for (const [engine, instances] of [['sqlite', 1], ['postgres', 1], ['postgres', 2], ['postgres', 3]] as const) {
    log(`host end to end: ${engine} × ${instances}…`);
    all.push(await endToEnd(engine, instances, count));
  }
  results.endToEnd = all;
  const sqlite = all[0];
  sqliteSaturation = sqlite.eventsPerSecond;
  for (const r of all) {
    const label = `${r.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${r.instances} instance${r.instances > 1 ? 's' : ''}`;
    row(
      'host end to end (limits off)',
      `${label}: events/s, ${fmt(r.events)} events ingestion → Heap`,
      fmt(r.eventsPerSecond),
      r === sqlite ? 'goal ≥ 15,000' : `${fmt(sqlite.eventsPerSecond)} (SQLite)`,
      r === sqlite ? '' : `${fmt((r.eventsPerSecond / sqlite.eventsPerSecond) * 100)}%${r.instances === 1 ? ' (goal ≥ 70%, ≥ 10,000/s)' : ''}`,
    );
    row(
      'host end to end (limits off)',
      `${label}: latency p50 / p99 ms; peak RSS MB per instance; CPU µs/event host + sandbox${r.engine === 'postgres' ? ' + PostgreSQL' : ''}; machine busy`,
      `${fmt(r.p50)} / ${fmt(r.p99)}; ${r.peakRssMb.map((m) => fmt(m)).join(', ')}; ${fmt(r.hostCpuUsPerEvent)} + ${fmt(r.sandboxCpuUsPerEvent)}${r.engine === 'postgres' ? ` + ${fmt(r.postgresCpuUsPerEvent)}` : ''}; ${fmt(r.machineBusy * 100)}%`,
    );
  }
  const [, pg1, pg2] = all;
  row('host end to end (limits off)', 'PostgreSQL: two instances against one', fmt(pg2.eventsPerSecond), fmt(pg1.eventsPerSecond), `${fmt(pg2.eventsPerSecond / pg1.eventsPerSecond, 2)}×`);
}

if (runs('ingestion')) {
  for (const engine of ['sqlite', 'postgres'] as const) {
    log(`ingestion alone: ${engine}…`);
    const r = await ingestionOnly(engine, QUICK ? 20_000 : 100_000);
    (results.ingestion ??= {} as Record<string, unknown>) && ((results.ingestion as Record<string, unknown>)[engine] = r);
    row('ingestion alone (/v1/batch, durable before the answer)', `${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: events/s; host CPU µs per event`, `${fmt(r.eventsPerSecond)}; ${fmt(r.cpuUsPerEvent)}`, engine === 'sqlite' ? 'goal ≥ 40,000; 16,401 before Fastify and Kysely' : '');
  }
}

if (runs('latency')) {
  const seconds = QUICK ? 15 : 60;
  log(`latency at 250 events/s for ${seconds} s (limits on)…`);
  const ordinary = await latencyAt(250, seconds, true);
  const half = Math.round((sqliteSaturation ?? (QUICK ? 2000 : 4000)) / 2);
  log(`latency at ${half} events/s (half of saturation, limits off)…`);
  const loaded = await latencyAt(half, seconds, false);
  results.latency = { ordinary, loaded };
  row('latency acceptance → Heap', `250 events/s, limits on: p50 / p90 / p99 / max ms (${fmt(ordinary.events)} events)`, `${fmt(ordinary.p50)} / ${fmt(ordinary.p90)} / ${fmt(ordinary.p99)} / ${fmt(ordinary.max)}`, 'goal p50 < 250, p99 < 1,000');
  row('latency acceptance → Heap', `${fmt(loaded.rate)} events/s (half of SQLite saturation): p50 / p90 / p99 / max ms`, `${fmt(loaded.p50)} / ${fmt(loaded.p90)} / ${fmt(loaded.p99)} / ${fmt(loaded.max)}`, 'goal p99 < 2,000');
}

if (runs('limits')) {
  const windowS = QUICK ? 20 : 60;
  log(`under Heap's limits (${windowS + 10} s)…`);
  const r = await underHeapLimits(windowS);
  results.limits = r;
  row("under Heap's limits (15,000 events/min per app)", `delivered events/min after the first burst (${r.requests} requests over ${fmt(r.spanMs / 1000, 1)} s); 429s; most events ever past Heap's bucket`, `${fmt(r.perMinute)}; ${r.tooMany}; ${fmt(r.mostOverBucket)}`, '15,000/min, bucket of 15,000', `${fmt(r.fraction * 100, 1)}% (tokens banked in the burst are spent later)`);
}

if (runs('buckets')) {
  for (const engine of ['sqlite', 'postgres'] as const) {
    log(`shared rate-limit buckets: ${engine}…`);
    const r = await bucketCost(engine);
    (results.buckets ??= {} as Record<string, unknown>) && ((results.buckets as Record<string, unknown>)[engine] = r);
    row('shared rate limits, per 1000-event batch', `${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: take + settle ms, 1 user / 1000 users`, `${fmt(r.oneUserMs, 2)} / ${fmt(r.thousandUsersMs, 2)}`);
  }
}

if (runs('integrations')) {
  const count = QUICK ? 2000 : 10_000;
  log(`twenty integrations, ${count} events each…`);
  const r = await manyIntegrations(count);
  results.integrations = r;
  row('20 Heap integrations at once (limits off)', `aggregate deliveries/s; slowest / fastest integration events/s (${fmt(count)} each)`, `${fmt(r.aggregateEps)}; ${fmt(r.slowestEps)} / ${fmt(r.fastestEps)}`, 'fairness goal ≥ 0.80', `${fmt(r.fairness, 2)}`);
}

if (runs('scale')) {
  const sizes = QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const points = [];
  for (const n of sizes) {
    log(`queue ${fmt(n)} events while Heap hangs, then release…`);
    points.push(await queueScale(n));
  }
  results.scale = points;
  for (const p of points) {
    const first = points[0];
    row(
      'queue scale (Heap hangs, then answers)',
      `${fmt(p.queued)} queued: ingest s / drain s / peak RSS MB / CPU µs per event ingest, drain`,
      `${fmt(p.ingestSeconds, 1)} / ${fmt(p.drainSeconds, 1)} / ${fmt(p.peakRssMb)} / ${fmt(p.ingestCpuUsPerEvent)}, ${fmt(p.drainCpuUsPerEvent)}`,
      p === first ? 'RSS goal < 300 MB' : `×${fmt(p.queued / first.queued)} events`,
      p === first ? '' : `drain/event ×${fmt(p.drainSeconds / p.queued / (first.drainSeconds / first.queued), 2)}, CPU/event ×${fmt((p.ingestCpuUsPerEvent + p.drainCpuUsPerEvent) / (first.ingestCpuUsPerEvent + first.drainCpuUsPerEvent), 2)}`,
    );
  }
}

if (runs('sizes')) {
  log('ingestion by request size…');
  const sizes = await requestSizes(QUICK ? 5000 : 20_000);
  results.requestSizes = sizes;
  for (const s of sizes) {
    row('ingestion by request size', `${fmt(s.size)} event${s.size > 1 ? 's' : ''} per request: events/s; host CPU µs per event`, `${fmt(s.eventsPerSecond)}; ${fmt(s.cpuUsPerEvent)}`, s === sizes[0] ? '' : `${fmt(sizes[0].cpuUsPerEvent)} (1 per request)`);
  }
}

if (runs('backfill')) {
  log('backfill of a generated file through the command line…');
  const r = await benchBackfill({ bytes: QUICK ? 32 << 20 : 1 << 30 });
  results.backfill = r;
  row('backfill → sandbox', 'file; delivered / filtered / rejected', `${fmt(r.bytes / 2 ** 20)} MiB, ${fmt(r.lines)} lines; ${fmt(r.delivered)} / ${fmt(r.filtered)} / ${fmt(r.rejected)} (exit ${r.exitCode})`);
  row('backfill → sandbox', 'events/s (wall, start-up to exit)', `${fmt(r.eventsPerSecond)} (${fmt(r.wallSeconds, 1)} s)`);
  row('backfill → sandbox', 'command line peak RSS (MB)', fmt(r.peakRssMb), '', 'goal < 200');
}

results.finished = new Date().toISOString();
(results.machine as Record<string, unknown>).loadAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
const columns = ['benchmark', 'figure', 'value', 'baseline', 'ratio'] as const;
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`${machine.cpus} cores (${machine.cpu}), Node ${machine.node}, load ${machine.loadAtStart.join(' ')} at the start${QUICK ? ', BENCH_QUICK' : ''}`);
console.log([line([...columns]), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c] ?? '')))].join('\n'));
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}${QUICK ? '-quick' : ''}.json`;
writeFileSync(file, JSON.stringify({ rows, results }, null, 2));
console.log(`\nwritten to ${file}`);

