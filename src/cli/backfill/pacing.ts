import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryAdapter } from '../../contract/index.js';
import { silentLogger } from '../../contract/index.js';
import { InstallationLimiter } from '../../host/delivery/rate-limits.js';
import { Store } from '../../host/store/store.js';
import { heap } from '../installation.js';
import type { Pacing } from './send.js';

/**
 * The host's token buckets for one backfill: the host's limiter over the buckets of an embedded
 * SQLite store, in a private temporary directory removed at the end. The buckets start full, as a
 * host's do; Heap's own may not be (another sender, or a run just stopped), and a 429 from Heap is
 * then retried like any retryable answer.
 */
export async function openPacing(adapter: Pick<DeliveryAdapter, 'rateLimitKey'>, scale: number, holdMaxMs: number): Promise<Pacing & { close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'heap-backfill-buckets-'));
  let store: Store;
  try {
    store = await Store.open({ engine: 'sqlite', dataDir }, silentLogger);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    limiter: new InstallationLimiter(heap.manifest.key, heap.manifest.rate_limits, scale, adapter, holdMaxMs),
    buckets: store.buckets,
    holdMaxMs,
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
