import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'major'; execution: 'async' }) => Promise<void> | void;

/** The heap a backfill lets grow before it asks for a collection: a few times what it keeps alive. */
const HEAP_FLOOR_BYTES = 64 * 1024 * 1024;

/**
 * Keeps a backfill's heap near what it uses. V8 lets a heap grow to about four times what is live
 * before it collects in full; a backfill keeps little alive (its code and the batches in flight) but
 * allocates fast, so its RSS would swing far above that. The bin's `#!/usr/bin/env node` line cannot
 * pass V8 flags (main.ts sets the growing factor at run time, which narrows the swing), so after each
 * settled batch, past a ceiling, the run asks V8 for a major collection, marked concurrently
 * (`execution: 'async'`, no long pause). The ceiling follows what stays live (half as much again, at
 * least HEAP_FLOOR_BYTES), so a run of large events collects no more often than a run of small ones.
 */
export function heapKeeper(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as Collect;
  let ceiling = HEAP_FLOOR_BYTES;
  let collecting = false;
  return () => {
    if (collecting || v8.getHeapStatistics().used_heap_size < ceiling) return;
    collecting = true;
    void Promise.resolve(collect({ type: 'major', execution: 'async' })).finally(() => {
      ceiling = Math.max(HEAP_FLOOR_BYTES, 1.5 * v8.getHeapStatistics().used_heap_size);
      collecting = false;
    });
  };
}
