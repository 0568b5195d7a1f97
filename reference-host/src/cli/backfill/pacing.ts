import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DeliveryAdapter } from '@datafly/heap-integration/contract';
import { BUCKET_FILE, openBucketFile } from '../../common/pacing/bucket-file.js';
import { InstallationLimiter } from '../../common/pacing/rate-limits.js';
import { heap } from '../installation.js';
import { ensureOwn } from './beside.js';
import type { Pacing } from './send.js';

/** Where a backfill of `input` keeps Heap's buckets between runs. */
export function pacingPath(input: string): string {
  return `${input}.pacing`;
}

/** Refuses a pacing folder that is a link or not a folder, or store files in it that are links or not regular files. */
export function ensurePacingOwn(dir: string): void {
  ensureOwn(dir, 'pacing folder', 'folder');
  for (const suffix of ['', '-wal', '-shm', '-journal']) ensureOwn(join(dir, BUCKET_FILE + suffix), 'pacing store');
}

/**
 * The host's token buckets for a backfill: the host's limiter over buckets kept in a SQLite file in
 * `dir`, beside the input. They outlive the run, so a `--resume` right after Ctrl-C starts from what
 * the last run spent, not from a full allowance Heap no longer has (that would provoke 429s and a
 * wait). `close(true)` once the file is done removes them.
 */
export async function openPacing(adapter: Pick<DeliveryAdapter, 'rateLimitKey'>, scale: number, holdMaxMs: number, dir: string): Promise<Pacing & { close(done: boolean): Promise<void> }> {
  ensurePacingOwn(dir);
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
