import { setFlagsFromString } from 'node:v8';

/**
 * Under sustained load V8 lets the old space grow to as much as 4× what survived the last full
 * collection. The host's live set is small but its garbage comes in bursts that outlive
 * a scavenge (request bodies and 1000-event batches held across database and HTTP waits), so at that
 * factor a busy host's heap is mostly garbage. A factor of 1.5 keeps it close to what is live at the
 * same throughput; the backfill command streams the same way and gets the same setting. It is headroom, not a cap:
 * a growing live set still gets the heap it needs. An operator's own --heap-growing-percent (on the
 * command line or in NODE_OPTIONS) wins.
 */
const HEAP_GROWING_PERCENT = 50;

export function keepHeapNearLiveSet(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '', setFlags: (flags: string) => void = setFlagsFromString): boolean {
  const given = [...execArgv, nodeOptions].some((arg) => /--heap[-_]growing[-_]percent/.test(arg));
  if (given) return false;
  setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
