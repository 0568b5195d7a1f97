import { mkdirSync, rmSync } from 'node:fs';
import type { DeliveryAdapter } from '@datafly/heap-integration/contract';
import { openBucketFile } from '../../shared/pacing/bucket-file.js';
import { InstallationLimiter } from '../../shared/pacing/rate-limits.js';
import { heap } from '../installation.js';
import type { Pacing } from './send.js';

/** Where a backfill of `input` keeps Heap's buckets between runs. */
export function pacingPath(input: string): string {
  return `${input}.pacing`;
}

/**
 * The host's token buckets for a backfill: the host's limiter over buckets kept in a SQLite file in
 * `dir`, beside the input. They outlive the run, so a `--resume` right after Ctrl-C starts from what
 * the last run spent, not from a full allowance Heap no longer has (that would provoke 429s and a
 * wait). `close(true)` once the file is done removes them.
 */
export async function openPacing(adapter: Pick<DeliveryAdapter, 'rateLimitKey'>, scale: number, holdMaxMs: number, dir: string): Promise<Pacing & { close(done: boolean): Promise<void> }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = await openBucketFile(dir);
  return {
    limiter: new InstallationLimiter(heap.manifest.key, heap.manifest.rate_limits, scale, adapter, holdMaxMs),
    buckets: file.buckets,
    holdMaxMs,
    async close(done) {
      await file.close();
      if (done) rmSync(dir, { recursive: true, force: true });
    },
  };
}
