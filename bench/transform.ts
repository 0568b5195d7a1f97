import { Bench } from 'tinybench';
import type { DataflyEvent } from '../dist/contract/index.js';
import { heapOptions } from '../dist/heap/blueprint-options.js';
import { HeapPlugin } from '../dist/heap/plugin.js';
import { planDelivery } from '../dist/heap/plan.js';
import { bulkBodyJson } from '../dist/heap/requests.js';

const plugin = new HeapPlugin();
const blueprint = plugin.defaultBlueprint();
const options = heapOptions(blueprint);

/** Canonical events → the JSON bodies of the Heap requests, exactly as the adapter plans them (no I/O). */
export function transform(events: readonly DataflyEvent[]): string[] {
  const plan = planDelivery(events, blueprint, options, '1234567890', plugin.manifest.batching.max_bytes);
  return [
    ...plan.bulk.map(({ kind, entries }) => bulkBodyJson(kind, '1234567890', entries.map((e) => e.json))),
    ...plan.merges.map((m) => m.json),
  ];
}

/** The floor the issue sets: a full JSON round trip of each event plus stringifying the result. */
export function floor(events: readonly DataflyEvent[]): string[] {
  return events.map((event) => JSON.stringify(JSON.parse(JSON.stringify(event))));
}

export async function benchTransform(events: readonly DataflyEvent[]) {
  const bench = new Bench({ time: 3000, warmupTime: 1000 });
  bench.add('transform', () => void transform(events)).add('floor', () => void floor(events));
  await bench.run();
  const perSecond = (name: string) => {
    const task = bench.getTask(name)!;
    const result = task.result as { latency: { p50: number; samplesCount: number } };
    return { eps: events.length / (result.latency.p50 / 1000), samples: result.latency.samplesCount };
  };
  const t = perSecond('transform');
  const f = perSecond('floor');
  return { transformEps: t.eps, floorEps: f.eps, ratio: t.eps / f.eps, usPerEvent: 1e6 / t.eps, samples: Math.min(t.samples, f.samples) };
}
