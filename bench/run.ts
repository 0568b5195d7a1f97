import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataflyEvent } from '../dist/contract/index.js';
import { HeapPlugin } from '../dist/heap/plugin.js';
import { syntheticEvents } from './events.js';
import { ingest, installHeap, json, sandboxStats, settled, startHostProcess, startSandboxProcess, until, type Proc } from './processes.js';
import { benchTransform } from './transform.js';

/**
 * `npm run bench`: every figure of issue 6 in one run on this machine, printed as one table and
 * written to bench/results/. BENCH_QUICK=1 shrinks the long parts (the limits window, the 1M queue).
 */
const QUICK = process.env.BENCH_QUICK === '1';
const API_KEY = 'bench-sandbox-key';
const rows: { benchmark: string; figure: string; value: string; baseline?: string; ratio?: string }[] = [];
const results: Record<string, unknown> = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length }, quick: QUICK };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const log = (text: string) => process.stderr.write(`${text}\n`);

async function withProcesses<T>(procs: Proc[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    for (const p of procs) await p.stop().catch(() => undefined);
  }
}

// 1. Transform vs the JSON floor, single thread, median of several runs.
{
  log('1/5 transform…');
  const events = syntheticEvents(2000) as DataflyEvent[];
  const sizes = events.map((e) => JSON.stringify(e).length);
  const pick = await benchTransform(events);
  results.transform = { ...pick, avgEventBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length, minBytes: Math.min(...sizes), maxBytes: Math.max(...sizes) };
  rows.push(
    { benchmark: '1 transform', figure: 'events/s (median of 9 alternating rounds)', value: fmt(pick.transformEps), baseline: `${fmt(pick.floorEps)} (JSON floor)`, ratio: `${fmt(pick.ratio, 2)}×` },
    { benchmark: '1 transform', figure: 'µs per event', value: fmt(pick.usPerEvent, 1), baseline: `${fmt(1e6 / pick.floorEps, 1)}`, ratio: '' },
  );
}

// 2. The adapter delivering 1000-event batches to the sandbox (another process) over keep-alive.
{
  log('2/5 adapter → sandbox…');
  const sandbox = await startSandboxProcess({ limits: false, apiKey: API_KEY });
  await withProcesses([sandbox], async () => {
    const plugin = new HeapPlugin();
    const adapter = plugin.createAdapter({ integrationId: 'bench', config: { app_id: '1234567890', api_key: API_KEY, endpoint: sandbox.url, region: 'us', timeout_ms: 10_000 }, blueprint: plugin.defaultBlueprint() });
    await adapter.deliver(syntheticEvents(2000, 6) as DataflyEvent[]); // warm-up: JIT, sockets
    const runs = [];
    for (let r = 0; r < 3; r++) {
      // Fresh traffic each run: repeated identify pairs would be skipped by the adapter and flatter it.
      const events = syntheticEvents(QUICK ? 20_000 : 50_000, 7 + r) as DataflyEvent[];
      await json(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < events.length; i += 1000) await adapter.deliver(events.slice(i, i + 1000));
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const stats = await sandboxStats(sandbox);
      runs.push({ eps: events.length / seconds, rps: stats.requests / seconds, cpuUsPerEvent: (used.user + used.system) / events.length, requests: stats.requests, events: events.length });
    }
    await adapter.close();
    const m = runs.sort((a, b) => a.eps - b.eps)[1];
    results.adapter = runs;
    rows.push(
      { benchmark: '2 adapter → sandbox', figure: 'events/s', value: fmt(m.eps) },
      { benchmark: '2 adapter → sandbox', figure: 'requests/s (bulk track, user and account properties, merges)', value: fmt(m.rps) },
      { benchmark: '2 adapter → sandbox', figure: 'plugin CPU µs per event', value: fmt(m.cpuUsPerEvent, 1) },
    );
  });
}

/** Host + sandbox processes, Heap installed; the body gets both and the integration id. */
async function hostRun<T>(env: Record<string, string>, sandboxLimits: boolean, body: (host: Proc, sandbox: Proc, id: string) => Promise<T>, installExtra: Record<string, unknown> = {}): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'datafly-bench-'));
  const sandbox = await startSandboxProcess({ limits: sandboxLimits, apiKey: API_KEY });
  const host = await startHostProcess(dataDir, env);
  try {
    return await withProcesses([host, sandbox], async () => body(host, sandbox, await installHeap(host, sandbox, API_KEY, installExtra)));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// 3. Host end to end: /v1/batch → SQLite queue → delivery → sandbox, limits off.
{
  log('3/5 host end to end…');
  const count = QUICK ? 20_000 : 50_000;
  // No timestamp: the host stamps acceptance time, so the sandbox can tell acceptance → delivery.
  const events = syntheticEvents(count, 11).map(({ timestamp: _t, ...e }) => e);
  await hostRun({ DATAFLY_RATE_LIMITS: 'off' }, false, async (host, sandbox, id) => {
    const started = performance.now();
    await ingest(host, events, 2);
    const ingestSeconds = (performance.now() - started) / 1000;
    await until(async () => (await settled(host, id)) >= count, 300_000, 'all delivered');
    const seconds = (performance.now() - started) / 1000;
    const recorded = (await json(`${sandbox.url}/__sandbox/events`)) as { timestamp: string; received_at: number }[];
    const latencies = recorded.map((e) => e.received_at - Date.parse(e.timestamp));
    const memory = host.memory();
    results.endToEnd = { count, seconds, ingestSeconds, p50: median(latencies), p99: percentile(latencies, 99), peakRssMb: memory.peakMb };
    rows.push(
      { benchmark: '3 host end to end', figure: `sustained events/s (${fmt(count)} events, ingestion to Heap)`, value: fmt(count / seconds) },
      { benchmark: '3 host end to end', figure: 'ingestion events/s (/v1/batch, durable in SQLite)', value: fmt(count / ingestSeconds) },
      { benchmark: '3 host end to end', figure: 'latency acceptance → Heap p50 / p99 (ms)', value: `${fmt(median(latencies))} / ${fmt(percentile(latencies, 99))}` },
      { benchmark: '3 host end to end', figure: 'host peak RSS (MB)', value: fmt(memory.peakMb) },
    );
  });
}

// 4. Under Heap's real limits: how much of 15,000 events per minute per app the host uses, and 429s.
{
  const windowS = QUICK ? 20 : 60;
  log(`4/5 under Heap's limits (${windowS + 10} s)…`);
  const events = syntheticEvents(40_000, 13).filter((e) => e.type === 'track' || e.type === 'page');
  await hostRun({}, true, async (host, sandbox) => {
    await ingest(host, events, 2);
    // Let the first minute's burst pass, then measure the steady rate from Heap's side: the events of
    // the track requests that arrived in the window, over the time from the first to the last of them
    // (the first request's events were earned before the window, so they are left out).
    await new Promise((r) => setTimeout(r, 10_000));
    const from = Date.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const after = await sandboxStats(sandbox);
    const arrivals = ((await json(`${sandbox.url}/__sandbox/requests?path=/api/track&status=200`)) as { received_at: string; body: { events: unknown[] } }[])
      .map((r) => ({ at: Date.parse(r.received_at), events: r.body.events.length }))
      .filter((r) => r.at >= from)
      .sort((a, b) => a.at - b.at);
    const spanMs = arrivals[arrivals.length - 1].at - arrivals[0].at;
    const perMinute = (arrivals.slice(1).reduce((n, r) => n + r.events, 0) / spanMs) * 60_000;
    results.limits = { windowS, perMinute, fraction: perMinute / 15_000, requestsInWindow: arrivals.length, spanMs, by_status: after.by_status };
    rows.push(
      { benchmark: "4 under Heap's limits", figure: `delivered events/min (steady state, ${arrivals.length} requests over ${fmt(spanMs / 1000, 1)} s)`, value: fmt(perMinute), baseline: '15,000 allowed', ratio: `${fmt((perMinute / 15_000) * 100, 1)}%` },
      { benchmark: "4 under Heap's limits", figure: '429s from Heap', value: String(after.by_status[429] ?? 0) },
    );
  });
}

// 5. Memory and scale: N events queued while Heap hangs (sandbox stopped), then released.
{
  const sizes = QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
  const scale: { n: number; ingestSeconds: number; drainSeconds: number; queuedRssMb: number; peakRssMb: number }[] = [];
  for (const n of sizes) {
    log(`5/5 queue ${fmt(n)} events…`);
    const events = syntheticEvents(Math.min(n, 100_000), 17);
    const batchOf = (i: number) => events[i % events.length];
    await hostRun({ DATAFLY_RATE_LIMITS: 'off', DATAFLY_RETRY_SCHEDULE_MS: '1000,1000,1000,1000' }, false, async (host, sandbox, id) => {
      sandbox.child.kill('SIGSTOP');
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, host.memory().rssMb)), 100);
      const started = performance.now();
      for (let i = 0; i < n; i += 100_000) {
        const slice = Array.from({ length: Math.min(100_000, n - i) }, (_, k) => ({ ...batchOf(i + k), messageId: `scale-${n}-${i + k}` }));
        await ingest(host, slice, 2);
      }
      const ingestSeconds = (performance.now() - started) / 1000;
      const queuedRss = host.memory().rssMb;
      sandbox.child.kill('SIGCONT');
      const released = performance.now();
      await until(async () => (await settled(host, id)) >= n, 1_800_000, `${n} delivered`, 250);
      const drainSeconds = (performance.now() - released) / 1000;
      clearInterval(sampler);
      scale.push({ n, ingestSeconds, drainSeconds, queuedRssMb: queuedRss, peakRssMb: Math.max(peak, host.memory().peakMb) });
    }, { timeout_ms: 120_000 });
  }
  results.scale = scale;
  for (const s of scale) {
    rows.push({
      benchmark: '5 memory and scale',
      figure: `${fmt(s.n)} queued: ingest s / drain s / peak RSS MB`,
      value: `${fmt(s.ingestSeconds, 1)} / ${fmt(s.drainSeconds, 1)} / ${fmt(s.peakRssMb)}`,
      baseline: s === scale[0] ? '' : `×${fmt(s.n / scale[0].n)} events`,
      ratio: s === scale[0] ? '' : `drain ×${fmt(s.drainSeconds / scale[0].drainSeconds, 1)}, RSS ×${fmt(s.peakRssMb / scale[0].peakRssMb, 2)}`,
    });
  }
}

const columns = ['benchmark', 'figure', 'value', 'baseline', 'ratio'] as const;
const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log([line([...columns]), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c] ?? '')))].join('\n'));
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ rows, results }, null, 2));
console.log(`\nwritten to ${file}`);
