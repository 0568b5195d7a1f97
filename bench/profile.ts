import 'reflect-metadata';
import { Session } from 'node:inspector/promises';
import type { DataflyEvent } from '../dist/contract/index.js';
import { syntheticEvents } from './events.js';
import { transform } from './transform.js';

/**
 * `npm run bench:profile`: a CPU profile of the transform (canonical events → Heap request bodies),
 * printed as the functions with the most self time. For the host, run it with `node --cpu-prof`.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const events = syntheticEvents(2000) as DataflyEvent[];
for (let i = 0; i < 20; i++) transform(events); // warm-up
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const until = Date.now() + 5000;
while (Date.now() < until) transform(events);
const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
const self = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  total += hits;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${lineNumber + 1}`;
  self.set(where, (self.get(where) ?? 0) + hits);
}
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 12));
console.log('self time  function');
for (const [where, hits] of top) console.log(`${((hits / total) * 100).toFixed(1).padStart(8)}%  ${where}`);
