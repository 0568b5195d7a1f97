import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { HeapPlugin } from '@datafly/heap-integration';
import { HeapClient } from '../../dist/heap/client.js';
import { HeapConfigSchema } from '../../dist/heap/config.js';
import { deliverAll, startNullHeap } from './deliver.js';
import { syntheticEvents } from './events.js';

/**
 * The plugin's HTTP client (got) against undici, the client it had before, on the same null Heap over
 * keep-alive, with the same bodies: CPU of this process per request, in alternating rounds.
 */

/** What both senders do: POST a JSON body already serialised, read the whole answer. */
interface Sender {
  postJson(url: string, json: string): Promise<unknown>;
  close(): void;
}

const TIMEOUT_MS = 30_000;
const USER_AGENT = 'datafly-heap-plugin/bench';

/**
 * undici with the options the plugin gives got: keep-alive sockets (16), no retries, no redirects
 * followed, no decompression, a timeout per call; the answer read as the plugin reads it.
 */
class UndiciSender implements Sender {
  private readonly dispatcher = new Agent({ connections: 16, keepAliveTimeout: 30_000, connect: { timeout: TIMEOUT_MS } });

  async postJson(url: string, json: string) {
    try {
      const response = await request(url, {
        method: 'POST',
        body: json,
        headers: { 'user-agent': USER_AGENT, 'content-type': 'application/json' },
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = await response.body.text();
      const { 'retry-after': retryAfter, location } = response.headers;
      return { ok: true, answer: { status: response.statusCode, body, retryAfter, location } };
    } catch (error) {
      return { ok: false, failure: { code: 'network_error', message: String(error) } };
    }
  }

  close(): void {
    void this.dispatcher.close();
  }
}

const gotSender = (url: string): Sender => new HeapClient(HeapConfigSchema.parse({ app_id: '1234567890', api_key: 'bench-key', endpoint: url, timeout_ms: TIMEOUT_MS }));

/** The request bodies of one workload, as the plugin builds them, and how many events they carry. */
export interface Workload {
  name: 'single' | 'bulk' | 'merge';
  path: string;
  bodies: string[];
  events: number;
}

/** Raw events of 0.5–2 KB (nested context, products arrays), as most real traffic is. */
function realisticEvents(count: number, seed: number): DataflyEvent[] {
  const picked: DataflyEvent[] = [];
  for (let batch = 0; picked.length < count; batch++) {
    for (const event of syntheticEvents(count, seed + batch)) {
      const bytes = Buffer.byteLength(JSON.stringify(event));
      if (bytes >= 512 && bytes <= 2048 && picked.length < count) picked.push(event as DataflyEvent);
    }
  }
  return picked;
}

/** How much of each workload: single requests, 1000-event bulks, merges. */
export interface WorkloadSizes {
  singles: number;
  bulks: number;
  merges: number;
}

/** The three workloads, bodies as the adapter previews them: one small track event per request; 1000-event track bulks; identify merges, a request each. */
export function workloads(sizes: WorkloadSizes): Workload[] {
  const plugin = new HeapPlugin();
  const adapter = plugin.createAdapter({ integrationId: 'bench-client', config: { app_id: '1234567890', api_key: 'bench-key', endpoint: 'http://127.0.0.1:9', region: 'us', timeout_ms: TIMEOUT_MS }, blueprint: plugin.defaultBlueprint() });
  const bodiesOf = (events: DataflyEvent[], path: string) => adapter.preview(events).requests.filter((r) => r.url.endsWith(path)).map((r) => r.body);
  const tracks = realisticEvents(Math.ceil(sizes.bulks * 1000 * 1.3), 1).filter((e) => e.type === 'track' || e.type === 'page');
  if (tracks.length < sizes.bulks * 1000) throw new Error(`only ${tracks.length} realistic track events for ${sizes.bulks} bulks`);
  const bulk = bodiesOf(tracks.slice(0, sizes.bulks * 1000), '/api/track');
  const single = Array.from({ length: sizes.singles }, (_, i) => bodiesOf([tracks[i % tracks.length]], '/api/track')[0]);
  const identifies = Array.from({ length: sizes.merges }, (_, i) => ({ type: 'identify', messageId: `m-${i}`, userId: `user-${i}`, anonymousId: `anon-${i}`, timestamp: '2026-02-25T14:30:00.000Z', traits: {} }));
  const merge = bodiesOf(identifies as DataflyEvent[], '/api/v1/identify');
  void adapter.close();
  const items = (bodies: string[]) => bodies.reduce((sum, body) => sum + (JSON.parse(body) as { events: unknown[] }).events.length, 0);
  return [
    { name: 'single', path: '/api/track', bodies: single, events: single.length },
    { name: 'bulk', path: '/api/track', bodies: bulk, events: items(bulk) },
    { name: 'merge', path: '/api/v1/identify', bodies: merge, events: merge.length },
  ];
}

/** Sends every body with 4 in flight, as the adapter does; the CPU this process spent, in µs. */
async function cpuToSend(sender: Sender, url: string, bodies: readonly string[]): Promise<number> {
  let next = 0;
  const cpu = process.cpuUsage();
  const worker = async () => {
    while (next < bodies.length) await sender.postJson(url, bodies[next++]);
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const used = process.cpuUsage(cpu);
  return used.user + used.system;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface ClientFigures {
  workload: Workload['name'];
  requests: number;
  events: number;
  bodyBytes: number;
  /** Medians over the rounds: CPU µs per request and per event. */
  got: { usPerRequest: number; usPerEvent: number };
  undici: { usPerRequest: number; usPerEvent: number };
  perRound: { got: number[]; undici: number[] };
}

/** Each workload through got and through undici, in alternating rounds after a warm-up of each. */
export async function benchClients(options: { sizes?: WorkloadSizes; rounds?: number } = {}): Promise<ClientFigures[]> {
  const { sizes = { singles: 10_000, bulks: 20, merges: 10_000 }, rounds = 7 } = options;
  const heap = await startNullHeap();
  const senders = { got: gotSender(heap.url), undici: new UndiciSender() };
  try {
    const figures: ClientFigures[] = [];
    for (const workload of workloads(sizes)) {
      const url = `${heap.url}${workload.path}`;
      for (const sender of Object.values(senders)) await cpuToSend(sender, url, workload.bodies.slice(0, Math.max(4, workload.bodies.length / 4)));
      const cpu = { got: [] as number[], undici: [] as number[] };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['got', 'undici'] as const) : (['undici', 'got'] as const);
        for (const name of order) cpu[name].push(await cpuToSend(senders[name], url, workload.bodies));
      }
      const per = (us: number) => ({ usPerRequest: us / workload.bodies.length, usPerEvent: us / workload.events });
      const bodyBytes = workload.bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
      figures.push({ workload: workload.name, requests: workload.bodies.length, events: workload.events, bodyBytes, got: per(median(cpu.got)), undici: per(median(cpu.undici)), perRound: cpu });
    }
    return figures;
  } finally {
    senders.got.close();
    senders.undici.close();
    await heap.stop();
  }
}

/**
 * For proportion: the plugin's whole `deliver()` (planning, serialising, got, classifying) to the null
 * Heap, CPU µs per event of the synthetic mix, a new adapter per round so every identify merge is sent.
 */
export async function deliverCpuPerEvent(count: number, rounds: number): Promise<number> {
  const heap = await startNullHeap();
  const plugin = new HeapPlugin();
  const events = syntheticEvents(count, 20261128) as DataflyEvent[];
  const cpu: number[] = [];
  try {
    for (let round = 0; round <= rounds; round++) {
      const adapter = plugin.createAdapter({ integrationId: 'bench-client', config: { app_id: '1234567890', api_key: 'bench-key', endpoint: heap.url, region: 'us', timeout_ms: TIMEOUT_MS }, blueprint: plugin.defaultBlueprint() });
      const started = process.cpuUsage();
      await deliverAll(adapter, events);
      const used = process.cpuUsage(started);
      await adapter.close();
      if (round > 0) cpu.push((used.user + used.system) / events.length); // round 0 warms up
    }
  } finally {
    await heap.stop();
  }
  return median(cpu);
}

// Standalone: `npm run build && node --import tsx bench/client.ts [rounds]` (or `npm run bench -- client`).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rounds = Number(process.argv[2]) || undefined;
  for (const f of await benchClients({ rounds })) {
    console.log(`${f.workload}: ${f.requests} requests, ${f.events} events; CPU µs per request got ${f.got.usPerRequest.toFixed(1)}, undici ${f.undici.usPerRequest.toFixed(1)}`);
  }
}
