import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import type { DataflyEvent, DeliveryAdapter } from '@datafly/heap-integration/contract';
import { HeapPlugin } from '@datafly/heap-integration';
import { freePort, startNodeProcess, type NodeProcess } from '../tools/processes.js';
import { syntheticEvents } from './events.js';

/**
 * A null Heap in its own process: reads each body to the end and answers 200 `{}` on a keep-alive
 * socket, so what is measured is the plugin's side of delivery (planning, serialising, the HTTP client).
 */
const NULL_HEAP = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.env.PORT), '127.0.0.1');
`;

export async function startNullHeap(): Promise<NodeProcess> {
  const port = await freePort();
  return startNodeProcess(['-e', NULL_HEAP], { PORT: String(port) }, `http://127.0.0.1:${port}`, '/');
}

/** The floor: one JSON round trip of the same events. */
export function jsonFloor(events: readonly DataflyEvent[]): unknown {
  return JSON.parse(JSON.stringify(events));
}

/** Delivers `events` in bulks of 1000, one `deliver` after the other, as a host worker does. */
export async function deliverAll(adapter: DeliveryAdapter, events: readonly DataflyEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const results = await adapter.deliver(events.slice(i, i + 1000));
    const lost = results.find((r) => r.status !== 'delivered' && r.status !== 'filtered');
    if (lost) throw new Error(`the null Heap did not take ${lost.messageId}: ${lost.status} ${lost.message ?? ''}`);
  }
}

export interface DeliverBenchOptions {
  rounds?: number;
  /**
   * `warm`: one adapter that has delivered these events before, so the identify merges Heap accepted
   * are not sent again (the steady state of signed-in visitors, who identify often). `fresh`: a new
   * adapter each round, so every distinct merge is a request (/api/v1/identify has no bulk form).
   */
  adapter?: 'warm' | 'fresh';
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * `deliver()` to a null Heap on loopback (1000-event bulks, keep-alive) against the JSON round-trip
 * floor of the same events, in alternating rounds (drift in the machine falls on both alike); events/s
 * and their ratio are medians over the rounds.
 */
export async function benchDeliverVsFloor(events: readonly DataflyEvent[], options: DeliverBenchOptions = {}) {
  const { rounds = 7, adapter: mode = 'warm' } = options;
  const heap = await startNullHeap();
  const plugin = new HeapPlugin();
  const newAdapter = () =>
    plugin.createAdapter({
      integrationId: 'bench-deliver',
      config: { app_id: '1234567890', api_key: 'bench-key', endpoint: heap.url, region: 'us', timeout_ms: 30_000 },
      blueprint: plugin.defaultBlueprint(),
    });
  const eps = { deliver: [] as number[], floor: [] as number[], ratio: [] as number[] };
  let adapter = newAdapter();
  try {
    await deliverAll(adapter, events); // warm-up: JIT, sockets, and for `warm` the merges
    jsonFloor(events);
    const perSecond = async (work: () => unknown) => {
      const started = performance.now();
      await work();
      return events.length / ((performance.now() - started) / 1000);
    };
    for (let round = 0; round < rounds; round++) {
      if (mode === 'fresh') {
        await adapter.close();
        adapter = newAdapter();
      }
      const deliver = () => perSecond(() => deliverAll(adapter, events));
      const floor = () => perSecond(() => jsonFloor(events));
      const [d, f] = round % 2 === 0 ? [await deliver(), await floor()] : [await floor(), await deliver()].reverse();
      eps.deliver.push(d);
      eps.floor.push(f);
      eps.ratio.push(d / f);
    }
  } finally {
    await adapter.close();
    await heap.stop();
  }
  return { events: events.length, rounds, adapter: mode, deliverEps: median(eps.deliver), floorEps: median(eps.floor), ratio: median(eps.ratio), perRound: eps };
}

// Standalone: `npm run build && node --import tsx bench/deliver.ts [events] [rounds]`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [count, rounds] = process.argv.slice(2).map(Number);
  const events = syntheticEvents(count || 20_000, 20261128) as DataflyEvent[];
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  console.log('| benchmark | figure | value | baseline | ratio |');
  for (const adapter of ['warm', 'fresh'] as const) {
    const r = await benchDeliverVsFloor(events, { rounds: rounds || undefined, adapter });
    const what = adapter === 'warm' ? 'merges already accepted' : 'every merge sent';
    console.log(`| deliver → null Heap (${what}) | events/s, median of ${r.rounds} alternating rounds of ${fmt(r.events)} | ${fmt(r.deliverEps)} | ${fmt(r.floorEps)} (JSON round trip) | ${fmt(r.ratio, 2)}× |`);
  }
}
