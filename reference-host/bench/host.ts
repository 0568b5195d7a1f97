import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataflyEvent, RateLimit } from '@datafly/heap-integration/contract';
import { silentLogger } from '@datafly/heap-integration/contract';
import { HeapPlugin } from '@datafly/heap-integration';
import { InstallationLimiter } from '../dist/common/pacing/rate-limits.js';
import { Store } from '../dist/host/store/store.js';
import { syntheticEvents } from './events.js';
import { benchDatabase, cpuSeconds, ingest, latencies, machineCpu, percentile, processesCpuSeconds, sandboxStats, startCluster, until, waiting, type Cluster, type Engine } from './processes.js';

/** Events as a collector sends them: no timestamp, so the host stamps acceptance and the sandbox can tell the latency. */
export function untimed(count: number, seed: number): Record<string, unknown>[] {
  return syntheticEvents(count, seed).map(({ timestamp: _t, ...event }) => event);
}

async function drained(cluster: Cluster, timeoutMs = 1_800_000, pollMs = 500): Promise<void> {
  await until(async () => (await Promise.all(cluster.integrations.map((id) => waiting(cluster.hosts[0], id)))).every((n) => n === 0), timeoutMs, 'all delivered', pollMs);
}

/** Peak resident memory of each host process, sampled every 100 ms while `work` runs (and VmHWM). */
async function sampled<T>(cluster: Cluster, work: () => Promise<T>): Promise<{ result: T; peakRssMb: number[] }> {
  const peaks = cluster.hosts.map(() => 0);
  const timer = setInterval(() => cluster.hosts.forEach((h, i) => (peaks[i] = Math.max(peaks[i], h.memory().rssMb))), 100);
  try {
    const result = await work();
    return { result, peakRssMb: cluster.hosts.map((h, i) => Math.max(peaks[i], h.memory().peakMb)) };
  } finally {
    clearInterval(timer);
  }
}

export interface EndToEnd {
  engine: Engine;
  instances: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  peakRssMb: number[];
  hostCpuUsPerEvent: number;
  sandboxCpuUsPerEvent: number;
  /** PostgreSQL's server processes, per event (0 on SQLite). */
  postgresCpuUsPerEvent: number;
  /** How busy the whole machine was during the run (every process, every core). */
  machineBusy: number;
}

/** Ingestion → queue → delivery → sandbox, rate limits off: events arrive round-robin over the instances. */
export async function endToEnd(engine: Engine, instances: number, count: number): Promise<EndToEnd> {
  const events = untimed(count, 11);
  const cluster = await startCluster({ engine, instances, env: { DATAFLY_RATE_LIMITS: 'off' } });
  try {
    const cpu0 = cluster.hosts.map(cpuSeconds);
    const sandboxCpu0 = cpuSeconds(cluster.sandbox);
    const postgres0 = processesCpuSeconds('postgres');
    const machine0 = machineCpu();
    const started = performance.now();
    const { peakRssMb } = await sampled(cluster, async () => {
      await ingest(cluster.hosts, events, 2);
      await drained(cluster);
    });
    const seconds = (performance.now() - started) / 1000;
    const machine1 = machineCpu();
    const postgresCpu = processesCpuSeconds('postgres') - postgres0;
    const lat = await latencies(cluster.sandbox);
    const hostCpu = cluster.hosts.reduce((s, h, i) => s + cpuSeconds(h) - cpu0[i], 0);
    return {
      engine,
      instances: cluster.hosts.length,
      events: count,
      seconds,
      eventsPerSecond: count / seconds,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      peakRssMb,
      hostCpuUsPerEvent: (hostCpu / count) * 1e6,
      sandboxCpuUsPerEvent: ((cpuSeconds(cluster.sandbox) - sandboxCpu0) / count) * 1e6,
      postgresCpuUsPerEvent: engine === 'postgres' ? (postgresCpu / count) * 1e6 : 0,
      machineBusy: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
    };
  } finally {
    await cluster.stop();
  }
}

/** Ingestion alone: Heap hangs (its process stopped), so nothing is delivered while events are accepted. */
export async function ingestionOnly(engine: Engine, count: number, parallel = 2): Promise<{ eventsPerSecond: number; cpuUsPerEvent: number }> {
  const events = untimed(count, 12);
  const cluster = await startCluster({ engine, env: { DATAFLY_RATE_LIMITS: 'off' }, installExtra: { timeout_ms: 120_000 } });
  cluster.sandbox.child.kill('SIGSTOP');
  try {
    const cpu0 = cpuSeconds(cluster.hosts[0]);
    const started = performance.now();
    await ingest(cluster.hosts, events, parallel);
    const seconds = (performance.now() - started) / 1000;
    return { eventsPerSecond: count / seconds, cpuUsPerEvent: ((cpuSeconds(cluster.hosts[0]) - cpu0) / count) * 1e6 };
  } finally {
    cluster.sandbox.child.kill('SIGCONT');
    await cluster.stop();
  }
}

export interface Latency {
  rate: number;
  seconds: number;
  events: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Acceptance → arrival at Heap at a steady rate, as collectors send: `rate` events a second in small
 * requests (one every 100 ms). `rateLimits`: the host paces itself by Heap's limits (and the sandbox
 * enforces them).
 */
export async function latencyAt(rate: number, seconds: number, rateLimits: boolean, engine: Engine = 'sqlite'): Promise<Latency> {
  const perTick = Math.max(1, Math.round(rate / 10));
  const ticks = Math.round(seconds * 10);
  const events = untimed(perTick * ticks, 13);
  const cluster = await startCluster({ engine, env: rateLimits ? {} : { DATAFLY_RATE_LIMITS: 'off' }, sandbox: { limits: rateLimits } });
  try {
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let t = 0; t < ticks; t++) {
      const due = started + t * 100;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(ingest(cluster.hosts, events.slice(t * perTick, (t + 1) * perTick), 1, perTick));
    }
    await Promise.all(inFlight);
    await drained(cluster);
    const lat = await latencies(cluster.sandbox);
    return { rate: perTick * 10, seconds, events: lat.length, p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), max: lat[lat.length - 1] };
  } finally {
    await cluster.stop();
  }
}

/** Twenty Heap integrations (different apps) taking the same events at once: their throughput and how evenly it is shared. */
export async function manyIntegrations(count: number, integrations = 20): Promise<{ aggregateEps: number; slowestEps: number; fastestEps: number; fairness: number; seconds: number }> {
  const appIds = Array.from({ length: integrations }, (_, i) => String(2_000_000_001 + i));
  const events = untimed(count, 14);
  const cluster = await startCluster({ engine: 'sqlite', env: { DATAFLY_RATE_LIMITS: 'off' }, sandbox: { anyAppId: true }, appIds });
  try {
    const started = performance.now();
    const finished = new Map<string, number>();
    const watch = (async () => {
      while (finished.size < cluster.integrations.length) {
        for (const id of cluster.integrations) {
          if (!finished.has(id) && (await waiting(cluster.hosts[0], id)) === 0) finished.set(id, (performance.now() - started) / 1000);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await ingest(cluster.hosts, events, 2);
    await watch;
    const rates = [...finished.values()].map((s) => count / s);
    const seconds = Math.max(...finished.values());
    return { aggregateEps: (count * integrations) / seconds, slowestEps: Math.min(...rates), fastestEps: Math.max(...rates), fairness: Math.min(...rates) / Math.max(...rates), seconds };
  } finally {
    await cluster.stop();
  }
}

export interface ScalePoint {
  queued: number;
  ingestSeconds: number;
  drainSeconds: number;
  peakRssMb: number;
  ingestCpuUsPerEvent: number;
  drainCpuUsPerEvent: number;
}

/** `queued` events accepted while Heap hangs (its process stopped), then released: memory, time and CPU per event. */
export async function queueScale(queued: number): Promise<ScalePoint> {
  const pool = untimed(Math.min(queued, 100_000), 17);
  const cluster = await startCluster({ engine: 'sqlite', env: { DATAFLY_RATE_LIMITS: 'off', DATAFLY_RETRY_SCHEDULE_MS: '1000,1000,1000,1000' }, installExtra: { timeout_ms: 120_000 } });
  const host = cluster.hosts[0];
  try {
    cluster.sandbox.child.kill('SIGSTOP');
    const { result, peakRssMb } = await sampled(cluster, async () => {
      const cpu0 = cpuSeconds(host);
      const started = performance.now();
      for (let i = 0; i < queued; i += 100_000) {
        const slice = Array.from({ length: Math.min(100_000, queued - i) }, (_, k) => ({ ...pool[(i + k) % pool.length], messageId: `scale-${queued}-${i + k}` }));
        await ingest(host, slice, 2);
      }
      const ingestSeconds = (performance.now() - started) / 1000;
      const cpu1 = cpuSeconds(host);
      cluster.sandbox.child.kill('SIGCONT');
      const released = performance.now();
      await drained(cluster, 3_600_000, 250);
      return { ingestSeconds, drainSeconds: (performance.now() - released) / 1000, ingestCpu: cpu1 - cpu0, drainCpu: cpuSeconds(host) - cpu1 };
    });
    return {
      queued,
      ingestSeconds: result.ingestSeconds,
      drainSeconds: result.drainSeconds,
      peakRssMb: peakRssMb[0],
      ingestCpuUsPerEvent: (result.ingestCpu / queued) * 1e6,
      drainCpuUsPerEvent: (result.drainCpu / queued) * 1e6,
    };
  } finally {
    cluster.sandbox.child.kill('SIGCONT');
    await cluster.stop();
  }
}

/** Ingestion cost per event by request size (1, 10, 100, 1000 events a request). */
export async function requestSizes(count: number, sizes = [1, 10, 100, 1000]): Promise<{ size: number; eventsPerSecond: number; cpuUsPerEvent: number }[]> {
  const cluster = await startCluster({ engine: 'sqlite', env: { DATAFLY_RATE_LIMITS: 'off' }, installExtra: { timeout_ms: 120_000 } });
  cluster.sandbox.child.kill('SIGSTOP');
  try {
    const rows = [];
    for (const size of sizes) {
      const events = untimed(count, 18 + size);
      const cpu0 = cpuSeconds(cluster.hosts[0]);
      const started = performance.now();
      await ingest(cluster.hosts, events, size === 1 ? 8 : 2, size);
      const seconds = (performance.now() - started) / 1000;
      rows.push({ size, eventsPerSecond: count / seconds, cpuUsPerEvent: ((cpuSeconds(cluster.hosts[0]) - cpu0) / count) * 1e6 });
    }
    return rows;
  } finally {
    cluster.sandbox.child.kill('SIGCONT');
    await cluster.stop();
  }
}

/**
 * What the shared rate limits cost per batch: the take before a batch goes and the settle after its
 * answer (two statements), on each engine, for a batch of 1000 track events from one user and from
 * 1000 users (one identity bucket each).
 */
export async function bucketCost(engine: Engine, rounds = 20): Promise<{ oneUserMs: number; thousandUsersMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'datafly-buckets-'));
  const database = engine === 'postgres' ? await benchDatabase(`datafly_buckets_${process.pid}`) : undefined;
  const store = await Store.open(database ? { engine: 'postgres', url: database.url } : { engine: 'sqlite', dataDir }, silentLogger);
  const plugin = new HeapPlugin();
  const adapter = plugin.createAdapter({ integrationId: 'bench', config: { app_id: '1234567890', api_key: 'k', region: 'us', timeout_ms: 10_000 }, blueprint: plugin.defaultBlueprint() });
  // Windows long enough that no bucket runs dry: what is measured is the statements, not the waiting.
  const limits: RateLimit[] = plugin.manifest.rate_limits.map((l) => ({ ...l, limit: l.limit * 1000 }));
  const limiter = new InstallationLimiter('heap', limits, 1, adapter, 30_000);
  const batch = (users: number, round: number) =>
    Array.from({ length: 1000 }, (_, i) => ({ type: 'track', event: 'Cost', userId: `u-${round}-${i % users}`, messageId: `c-${round}-${i}`, timestamp: new Date().toISOString() }) as DataflyEvent);
  const time = async (users: number) => {
    let total = 0;
    for (let r = 0; r < rounds; r++) {
      const events = batch(users, r);
      const started = performance.now();
      const admission = await limiter.admit(events, store.buckets, Date.now());
      await store.transaction((tx) => tx.buckets.settle(admission.settle, Date.now(), 30_000), 'relaxed');
      total += performance.now() - started;
    }
    return total / rounds;
  };
  try {
    await time(1);
    return { oneUserMs: await time(1), thousandUsersMs: await time(1000) };
  } finally {
    await adapter.close();
    await store.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Heap's real limits on both sides: the steady share of 15,000 events per minute the host uses, and 429s. */
/**
 * How far a stream of arrivals ever went past a token bucket of `capacity` refilled over `windowMs`,
 * born full (Heap's limit as the sandbox enforces it): the most events that arrived beyond what the
 * bucket allowed, over every stretch from one arrival to a later one. 0 means the stream conforms.
 */
export function mostOverBucket(arrivals: readonly { at: number; events: number }[], capacity: number, windowMs: number): number {
  let worst = 0;
  for (let i = 0; i < arrivals.length; i++) {
    let sent = 0;
    for (let j = i; j < arrivals.length; j++) {
      sent += arrivals[j].events;
      worst = Math.max(worst, sent - capacity - ((arrivals[j].at - arrivals[i].at) * capacity) / windowMs);
    }
  }
  return Math.floor(worst);
}

export async function underHeapLimits(windowSeconds: number): Promise<{ perMinute: number; fraction: number; requests: number; spanMs: number; tooMany: number; mostOverBucket: number }> {
  const events = syntheticEvents(40_000, 13).filter((e) => e.type === 'track' || e.type === 'page');
  const cluster = await startCluster({ engine: 'sqlite', sandbox: { limits: true } });
  try {
    await ingest(cluster.hosts, events, 2);
    // Let the first minute's burst pass, then measure the rate from Heap's side: the events of the track
    // requests that arrived in the window, over the time from the first to the last of them.
    await new Promise((r) => setTimeout(r, 10_000));
    const from = Date.now();
    await new Promise((r) => setTimeout(r, windowSeconds * 1000));
    const stats = await sandboxStats(cluster.sandbox);
    const all = ((await (await fetch(`${cluster.sandbox.url}/__sandbox/requests?path=/api/track&status=200`)).json()) as { received_at: string; body: { events: unknown[] } }[])
      .map((r) => ({ at: Date.parse(r.received_at), events: r.body.events.length }))
      .sort((a, b) => a.at - b.at);
    const arrivals = all.filter((r) => r.at >= from);
    const spanMs = arrivals[arrivals.length - 1].at - arrivals[0].at;
    const perMinute = (arrivals.slice(1).reduce((n, r) => n + r.events, 0) / spanMs) * 60_000;
    return { perMinute, fraction: perMinute / 15_000, requests: arrivals.length, spanMs, tooMany: stats.by_status[429] ?? 0, mostOverBucket: mostOverBucket(all, 15_000, 60_000) };
  } finally {
    await cluster.stop();
  }
}
