import { readdirSync, readFileSync } from 'node:fs';
import { startFloor, startOurs, trackEvents, type HostUnderTest } from './floor.js';
import { ingest, until } from './processes.js';

/**
 * `npm run bench:profile -- threads`: the CPU of each thread of a host process per event, for ours
 * (delivery in its own thread) and the floor host, over the floor comparison's traffic on SQLite:
 * taking events alone (the sink stopped) and end to end. Threads are read from /proc; Node names them
 * all `node`, so they are told apart by what they do: the process's own thread takes requests, the
 * busiest other one in ours is the delivery thread, and the rest are V8's helpers, which do most of
 * the collector's work (marking, sweeping, parallel scavenges): what a host's garbage costs beyond
 * the pauses its threads see.
 */
const EVENTS = 30_000;

function threadCpuUs(pid: number): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks of 10 ms.
    cpu.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10_000);
  }
  return cpu;
}

/** µs per event of the thread that takes requests, the busiest other thread, and all the others together. */
function split(pid: number, before: Map<number, number>, after: Map<number, number>, events: number, hasDeliveryThread: boolean): string {
  const spent = [...after].map(([tid, us]) => ({ tid, us: us - (before.get(tid) ?? 0) }));
  const main = spent.find((t) => t.tid === pid)!.us;
  const others = spent.filter((t) => t.tid !== pid).sort((a, b) => b.us - a.us);
  const delivery = hasDeliveryThread ? (others.shift()?.us ?? 0) : 0;
  const helpers = others.reduce((sum, t) => sum + t.us, 0);
  const per = (us: number) => (us / events).toFixed(1).padStart(6);
  return `requests ${per(main)}  delivery ${hasDeliveryThread ? per(delivery) : '     -'}  V8 helpers ${per(helpers)}  all ${per(main + delivery + helpers)} µs/event`;
}

async function measure(name: string, target: HostUnderTest, hasDeliveryThread: boolean): Promise<void> {
  const pid = target.host.child.pid!;
  const empty = () => until(async () => (await target.queued()) === 0, 1_800_000, 'queue empty', 100);
  try {
    await ingest(target.host, trackEvents(5000, 31), 4);
    await empty();
    target.sink.child.kill('SIGSTOP');
    let before = threadCpuUs(pid);
    await ingest(target.host, trackEvents(EVENTS, 32), 4);
    console.log(`${name.padEnd(6)} taking events:  ${split(pid, before, threadCpuUs(pid), EVENTS, hasDeliveryThread)}`);
    target.sink.child.kill('SIGCONT');
    await empty();
    before = threadCpuUs(pid);
    await ingest(target.host, trackEvents(EVENTS, 33), 4);
    await empty();
    console.log(`${name.padEnd(6)} end to end:     ${split(pid, before, threadCpuUs(pid), EVENTS, hasDeliveryThread)}`);
  } finally {
    target.sink.child.kill('SIGCONT');
    await target.stop();
  }
}

console.log(`CPU per event by thread, ${EVENTS.toLocaleString('en')} track events in 1000-event requests from 4 senders, SQLite`);
await measure('floor', await startFloor('sqlite'), false);
await measure('ours', await startOurs('sqlite', 'on'), true);
