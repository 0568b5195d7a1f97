import { Bench } from 'tinybench';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { heapOptions } from '../../dist/heap/blueprint-options.js';
import { HeapPlugin } from '@datafly/heap-integration';
import { planDelivery } from '../../dist/heap/plan.js';
import { firstRequests } from '../../dist/heap/requests.js';

const plugin = new HeapPlugin();
const blueprint = plugin.defaultBlueprint();
const options = heapOptions(blueprint);

/** Canonical events → the JSON bodies of the Heap requests, exactly as the adapter plans them (no I/O). */
export function transform(events: readonly DataflyEvent[]): string[] {
  const plan = planDelivery(events, blueprint, options);
  return firstRequests(plan, '1234567890', plugin.manifest.batching.max_bytes, () => false).requests.map((r) => r.body);
}

/** The floor the issue sets: a full JSON round trip of each event plus stringifying the result. */
export function floor(events: readonly DataflyEvent[]): string[] {
  return events.map((event) => JSON.stringify(JSON.parse(JSON.stringify(event))));
}

/**
 * Transform against the floor in alternating short rounds (tinybench each), so drift in the machine
 * (frequency, the other core's work) falls on both alike; figures are the medians over the rounds.
 */
export async function benchTransform(events: readonly DataflyEvent[], rounds = 9) {
  const eps = { transform: [] as number[], floor: [] as number[], ratio: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: 600, warmupTime: 200 });
    const tasks: [string, () => void][] = [
      ['transform', () => void transform(events)],
      ['floor', () => void floor(events)],
    ];
    for (const [name, fn] of round % 2 === 0 ? tasks : tasks.reverse()) bench.add(name, fn);
    await bench.run();
    const perSecond = (name: string) => events.length / ((bench.getTask(name)!.result as { latency: { p50: number } }).latency.p50 / 1000);
    eps.transform.push(perSecond('transform'));
    eps.floor.push(perSecond('floor'));
    eps.ratio.push(perSecond('transform') / perSecond('floor'));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const transformEps = median(eps.transform);
  return { transformEps, floorEps: median(eps.floor), ratio: median(eps.ratio), usPerEvent: 1e6 / transformEps, rounds: eps };
}
