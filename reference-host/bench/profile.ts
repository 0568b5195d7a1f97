import 'reflect-metadata';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { HeapPlugin } from '@datafly/heap-integration';
import { deliverAll, startNullHeap } from './deliver.js';
import { syntheticEvents } from './events.js';
import { trackEvents } from './floor.js';
import { ingest, startCluster, until, waiting } from './processes.js';
import { transform } from './transform.js';

/**
 * `npm run bench:profile [-- transform deliver host]`: where the time goes, as the functions with the
 * most self time, for the transform and for `deliver()` to a null Heap (in this process), and for the
 * host delivering 30,000 events end to end (`node --cpu-prof`), and for the host ingesting 10,000 events
 * one per request (`single`, Heap paused so only ingestion runs), and taking 30,000 track events in
 * 1000-event requests (`ingestion`, with our functions' inclusive time), and each step of ingestion
 * timed alone in this process beside the floor host's (`steps`, bench/ingest-steps.ts), and each step
 * of delivery the same way (`delivery-steps`, bench/deliver-steps.ts), and the CPU of each thread of
 * ours and the floor host (`threads`, bench/threads.ts), and what each thread leaves to the collector
 * (`garbage`, bench/garbage.ts). Names pick sections; none runs all.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/**
 * The profiles `node --cpu-prof` wrote, one per thread (CPU.<date>.<pid>.<thread>.<n>.cpuprofile),
 * in thread order: the thread that takes requests first, then the delivery thread.
 */
function threadProfiles(dir: string): { nodes: ProfileNode[] }[] {
  const threadOf = (file: string) => Number(file.split('.')[3]);
  return readdirSync(dir)
    .sort((a, b) => threadOf(a) - threadOf(b))
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] });
}

/** A profile's self time summed by `keyOf` (a function by default), the largest `count` shares. */
function top(nodes: ProfileNode[], count = 10, keyOf: (node: ProfileNode) => string = byFunction): string[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const node of nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const where = keyOf(node);
    self.set(where, (self.get(where) ?? 0) + hits);
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, hits]) => `${((hits / total) * 100).toFixed(1).padStart(6)}%  ${where}`);
}

/**
 * Time spent in each of our functions and everything it called synchronously (each sample counted
 * once per function on its stack), the largest `count`: what a step of ingestion costs as a whole.
 */
function inclusive(nodes: ProfileNode[], count: number, ours = (where: string) => /dist\/(host|common|contract|heap)\//.test(where)): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const sums = new Map<string, number>();
  for (const n of nodes) {
    const seen = new Set<string>();
    for (let at: number | undefined = n.id; at !== undefined; at = parent.get(at)) {
      const where = byFunction(byId.get(at)!);
      if (seen.has(where) || !ours(where)) continue;
      seen.add(where);
      sums.set(where, (sums.get(where) ?? 0) + (n.hitCount ?? 0));
    }
  }
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, hits]) => `${((hits / total) * 100).toFixed(1).padStart(6)}%  ${where}`);
}

function byFunction({ callFrame: { functionName, url, lineNumber } }: ProfileNode): string {
  return `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|bench|node_modules)\//, '$1/')}:${lineNumber + 1}`;
}

/** The source file (a package counts as one): which layer the time is spent in. */
function byFile({ callFrame: { functionName, url } }: ProfileNode): string {
  if (url.includes('/node_modules/')) return `package ${url.replace(/^.*\/node_modules\/((?:@[^/]+\/)?[^/]+).*$/, '$1')}`;
  return url.replace(/^.*\/(dist)\//, '$1/') || functionName;
}

const picked = process.argv.slice(2);
const runs = (section: string) => picked.length === 0 || picked.includes(section);

/** Samples this process while `work` runs, and prints the top self-time entries under `title`. */
async function profiled(title: string, work: () => Promise<void>): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  await work();
  const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
  session.disconnect();
  console.log([title, ...top(profile.nodes)].join('\n'));
}

// The transform, sampled in-process after a warm-up.
if (runs('transform')) {
  const events = syntheticEvents(2000) as DataflyEvent[];
  for (let i = 0; i < 20; i++) transform(events);
  await profiled('Transform: self time', async () => {
    const until = Date.now() + 5000;
    while (Date.now() < until) transform(events);
  });
}

// deliver() of a warm adapter to a null Heap in another process, 1000-event bulks (see bench/deliver.ts).
if (runs('deliver')) {
  const heap = await startNullHeap();
  const plugin = new HeapPlugin();
  const adapter = plugin.createAdapter({
    integrationId: 'profile-deliver',
    config: { app_id: '1234567890', api_key: 'profile-key', endpoint: heap.url, region: 'us', timeout_ms: 30_000 },
    blueprint: plugin.defaultBlueprint(),
  });
  const events = syntheticEvents(20_000) as DataflyEvent[];
  await deliverAll(adapter, events);
  await profiled('\ndeliver() to a null Heap (warm adapter, 20,000 events × 5): self time', async () => {
    for (let round = 0; round < 5; round++) await deliverAll(adapter, events);
  });
  await adapter.close();
  await heap.stop();
}

// The host process, profiled by V8 while it ingests and delivers 30,000 track events (limits off), each thread apart.
if (runs('host')) {
  const profileDir = mkdtempSync(join(tmpdir(), 'datafly-cpuprofile-'));
  const cluster = await startCluster({ engine: 'sqlite', env: { DATAFLY_RATE_LIMITS: 'off' }, nullHeap: true, installExtra: { timeout_ms: 120_000 }, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
  const [host] = cluster.hosts;
  // The floor comparison's traffic (track events, 1000 per request, 4 senders), so the two read alike.
  await ingest(host, trackEvents(30_000, 5), 4);
  await until(async () => (await waiting(host, cluster.integrations[0])) === 0, 300_000, 'delivery', 500);
  await cluster.stop();
  for (const [index, profile] of threadProfiles(profileDir).entries()) {
    const thread = index === 0 ? 'the thread that takes requests' : 'the delivery thread';
    console.log(['', `Host (ingestion + delivery of 30,000 events), ${thread}: self time`, ...top(profile.nodes, 15), '', 'by file', ...top(profile.nodes, 20, byFile), '', 'our functions, with what they call', ...inclusive(profile.nodes, 25)].join('\n'));
  }
  rmSync(profileDir, { recursive: true, force: true });
}

// The host taking 30,000 track events (the floor comparison's) in 1000-event requests from 4 senders,
// Heap stopped so only ingestion runs: self time, and our functions with what they call.
if (runs('ingestion')) {
  const profileDir = mkdtempSync(join(tmpdir(), 'datafly-cpuprofile-'));
  const cluster = await startCluster({ engine: 'sqlite', env: { DATAFLY_RATE_LIMITS: 'off' }, nullHeap: true, installExtra: { timeout_ms: 120_000 }, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
  cluster.sandbox.child.kill('SIGSTOP');
  await ingest(cluster.hosts[0], trackEvents(30_000, 8), 4);
  cluster.sandbox.child.kill('SIGCONT');
  await cluster.stop();
  const [profile] = threadProfiles(profileDir);
  console.log(['', 'Host (ingestion of 30,000 track events, 1000 per request): self time', ...top(profile.nodes, 20), '', 'our functions, with what they call', ...inclusive(profile.nodes, 20)].join('\n'));
  rmSync(profileDir, { recursive: true, force: true });
}

// The host taking 10,000 events one per request (8 clients), Heap stopped so nothing else runs: the cost of a request.
if (runs('single')) {
  const profileDir = mkdtempSync(join(tmpdir(), 'datafly-cpuprofile-'));
  const cluster = await startCluster({ engine: 'sqlite', env: { DATAFLY_RATE_LIMITS: 'off' }, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
  const [host] = cluster.hosts;
  cluster.sandbox.child.kill('SIGSTOP');
  await ingest(host, syntheticEvents(10_000, 6), 8, 1);
  cluster.sandbox.child.kill('SIGCONT');
  await cluster.stop();
  const [profile] = threadProfiles(profileDir);
  console.log(['', 'Host (ingestion of 10,000 events, one per request): self time', ...top(profile.nodes, 25)].join('\n'));
  rmSync(profileDir, { recursive: true, force: true });
}

// Each step of ingestion (parse, check, stringify, store) timed alone in this process, beside the floor host's.
if (runs('steps')) await import('./ingest-steps.js');
if (runs('delivery-steps')) await import('./deliver-steps.js');
if (runs('threads')) await import('./threads.js');
if (runs('garbage')) await import('./garbage.js');
