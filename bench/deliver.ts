import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import type { DataflyEvent, DeliveryAdapter } from '../dist/contract/index.js';
import { HeapPlugin } from '../dist/heap/plugin.js';
import { freePort, startNodeProcess, type NodeProcess } from '../tools/processes.js';
import { syntheticEvents } from './events.js';

/**
 * A null Heap in its own process: reads each body to the end and answers 200 `{}` on a keep-alive
 * socket, so what is measured is the plugin's side of delivery (planning, serialising, HTTP client).
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

/** Delivers `events` in bulks of `batch`, one `deliver` after the other, as a host worker does. */
export async function deliverAll(adapter: DeliveryAdapter, events: readonly DataflyEvent[], batch = 1000): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    const results = await adapter.deliver(events.slice(i, i + batch));
    const lost = results.find((r) => r.status !== 'delivered' && r.status !== 'filtered');
    if (lost) throw new Error(`the null Heap did not take ${lost.messageId}: ${lost.status} ${lost.message ?? ''}`);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * `deliver()` to a null Heap on loopback against the JSON round-trip floor of the same events, in
 * alternating rounds (so drift in the machine falls on both alike), medians over the rounds. Each
 * round delivers fresh traffic (new messageIds and user pairs), so no merge is skipped as already
 * accepted, which would flatter the adapter.
 */
export async function benchDeliverVsFloor(count = 20_000, rounds = 7) {
  const heap = await startNullHeap();
  const plugin = new HeapPlugin();
  const adapter = plugin.createAdapter({
    integrationId: 'bench-deliver',
    config: { app_id: '1234567890', api_key: 'bench-key', endpoint: heap.url, region: 'us', timeout_ms: 30_000 },
    blueprint: plugin.defaultBlueprint(),
  });
  const eps = { deliver: [] as number[], floor: [] as number[], ratio: [] as number[] };
  try {
    // Warm-up: JIT, sockets.
    const warm = syntheticEvents(5000, 1) as DataflyEvent[];
    await deliverAll(adapter, warm);
    jsonFloor(warm);
    for (let round = 0; round < rounds; round++) {
      const events = syntheticEvents(count, 100 + round) as DataflyEvent[];
      const timeDeliver = async () => {
        const started = performance.now();
        await deliverAll(adapter, events);
        return count / ((performance.now() - started) / 1000);
      };
      const timeFloor = async () => {
        const started = performance.now();
        for (let i = 0; i < events.length; i += 1000) jsonFloor(events.slice(i, i + 1000));
        return count / ((performance.now() - started) / 1000);
      };
      let d: number;
      let f: number;
      if (round % 2 === 0) {
        d = await timeDeliver();
        f = await timeFloor();
      } else {
        f = await timeFloor();
        d = await timeDeliver();
      }
      eps.deliver.push(d);
      eps.floor.push(f);
      eps.ratio.push(d / f);
    }
  } finally {
    await adapter.close();
    await heap.stop();
  }
  return { events: count, rounds, deliverEps: median(eps.deliver), floorEps: median(eps.floor), ratio: median(eps.ratio), perRound: eps };
}

// Standalone: `npm run build && node --import tsx bench/deliver.ts [events] [rounds]`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [count, rounds] = process.argv.slice(2).map(Number);
  const r = await benchDeliverVsFloor(count || undefined, rounds || undefined);
  const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  console.log(`| deliver → null Heap (1000-event bulks, keep-alive) | events/s, median of ${r.rounds} alternating rounds of ${fmt(r.events)} | ${fmt(r.deliverEps)} | ${fmt(r.floorEps)} (JSON round trip) | ${fmt(r.ratio, 2)}× |`);
  console.log(`rounds: ${r.perRound.ratio.map((x) => x.toFixed(2)).join(' ')}`);
}
