import { startFloor, startOurs, trackEvents, type HostUnderTest } from './floor.js';
import { ingest, until } from './processes.js';

/**
 * `npm run bench:profile -- garbage`: what each thread of ours and of the floor host leaves to V8's
 * collector per 1000 events end to end, from `--trace-gc-nvp`: bytes allocated, scavenges, bytes that
 * survived a scavenge (copied within the young generation) and that were promoted to the old one,
 * full collections. Unlike CPU time these hardly move with what else the machine is doing, so a
 * change to what a thread keeps alive shows here when CPU figures drown it in noise. A scavenge costs
 * what survives it (on the thread and again on V8's helpers); a full collection costs the live set.
 */
const EVENTS = 30_000;

interface Tally {
  allocatedMb: number;
  scavenges: number;
  survivedMb: number;
  promotedMb: number;
  fullCollections: number;
}

/** `[pid:0xisolate] … gc=s … allocated=… promoted=… new_space_survived=…` lines, summed by isolate in order of first appearance. */
function tallies(lines: readonly string[]): Map<string, Tally> {
  const byIsolate = new Map<string, Tally>();
  for (const line of lines) {
    const isolate = /\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1];
    const kind = /\bgc=(\w+)/.exec(line)?.[1];
    if (!isolate || !kind) continue;
    const field = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? 0) / 1e6;
    let tally = byIsolate.get(isolate);
    if (!tally) byIsolate.set(isolate, (tally = { allocatedMb: 0, scavenges: 0, survivedMb: 0, promotedMb: 0, fullCollections: 0 }));
    tally.allocatedMb += field('allocated');
    if (kind === 's') {
      tally.scavenges++;
      tally.survivedMb += field('new_space_survived');
      tally.promotedMb += field('promoted');
    } else if (kind === 'mc' || kind === 'ms') tally.fullCollections++;
  }
  return byIsolate;
}

async function measure(name: string, target: HostUnderTest, threadNames: string[]): Promise<void> {
  const empty = () => until(async () => (await target.queued()) === 0, 1_800_000, 'queue empty', 100);
  try {
    await ingest(target.host, trackEvents(5000, 31), 4);
    await empty();
    const seen = new Set(tallies(target.host.output.join('').split('\n')).keys());
    const from = target.host.output.length;
    await ingest(target.host, trackEvents(EVENTS, 33), 4);
    await empty();
    const measured = tallies(target.host.output.slice(from).join('').split('\n'));
    const order = [...seen, ...[...measured.keys()].filter((k) => !seen.has(k))];
    const per = (n: number, digits = 1) => ((n * 1000) / EVENTS).toFixed(digits).padStart(6);
    for (const [i, isolate] of order.entries()) {
      const t = measured.get(isolate);
      if (!t || t.allocatedMb < 1) continue;
      const thread = (threadNames[i] ?? `thread ${i + 1}`).padEnd(16);
      console.log(`${name.padEnd(6)} ${thread} per 1000 events: allocated ${per(t.allocatedMb)} MB, scavenges ${per(t.scavenges, 2)}, survived ${per(t.survivedMb, 2)} MB, promoted ${per(t.promotedMb, 2)} MB, full collections ${per(t.fullCollections, 2)}`);
    }
  } finally {
    await target.stop();
  }
}

console.log(`What the collector is left per thread, ${EVENTS.toLocaleString('en')} track events end to end in 1000-event requests from 4 senders, SQLite`);
await measure('floor', await startFloor('sqlite', ['--trace-gc-nvp']), ['requests thread', 'loader thread']);
await measure('ours', await startOurs('sqlite', 'on', ['--trace-gc-nvp']), ['requests thread', 'delivery thread']);
