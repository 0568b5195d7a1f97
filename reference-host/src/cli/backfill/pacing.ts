import { mkdirSync, rmSync } from 'node:fs';
import type { DeliveryAdapter } from '@datafly/heap-integration/contract';
import { silentLogger } from '@datafly/heap-integration/contract';
import { InstallationLimiter } from '../../shared/pacing/rate-limits.js';
import { Store } from '../../host/store/store.js';
import { heap } from '../installation.js';
import type { Pacing } from './send.js';

/** Where a backfill of `input` keeps Heap's buckets between runs. */
export function pacingPath(input: string): string {
  return `${input}.pacing`;
}

/**
 * The host's token buckets for a backfill: the host's limiter over the buckets of an embedded SQLite
 * store in `dir`, beside the input. They outlive the run, so a `--resume` right after Ctrl-C starts
 * from what the last run spent, not from a full allowance Heap no longer has (that cost four 429s and
 * a minute's wait). `close(true)` once the file is done removes them.
 */
export async function openPacing(adapter: Pick<DeliveryAdapter, 'rateLimitKey'>, scale: number, holdMaxMs: number, dir: string): Promise<Pacing & { close(done: boolean): Promise<void> }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const store = await Store.open({ engine: 'sqlite', dataDir: dir }, silentLogger);
  return {
    limiter: new InstallationLimiter(heap.manifest.key, heap.manifest.rate_limits, scale, adapter, holdMaxMs),
    buckets: store.buckets,
    holdMaxMs,
    async close(done) {
      await store.close();
      if (done) rmSync(dir, { recursive: true, force: true });
    },
  };
}
