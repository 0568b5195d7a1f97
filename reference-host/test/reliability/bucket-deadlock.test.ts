import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '@datafly/heap-integration/contract';
import { Store } from '../../src/host/store/store.js';
import { freshLocation } from '../helpers/engines.js';

/**
 * Under cluster load on PostgreSQL, the sweep of idle rate-limit buckets (one DELETE) and the takes
 * and settles of batches (multi-row upserts, in key order) touch the same rows. A statement that
 * locks them in another order than the others waits for them while they wait for it: PostgreSQL
 * breaks the cycle by aborting one (SQLSTATE 40P01), and a settle it aborts holds a whole batch
 * until its lease expires. Here instances' worth of writers and sweeps run at once on buckets whose
 * rows lie on disk in the reverse of key order, and not one statement may be aborted.
 */
const KEYS = 120;
const WRITERS = 4;
const ROUNDS = 40;
const SWEEPS = 120;

describe('shared rate-limit buckets on PostgreSQL under concurrent batches and sweeps', () => {
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const fresh = await freshLocation('postgres');
    dispose = fresh.dispose;
    store = await Store.open({ ...(fresh.location as { engine: 'postgres'; url: string }), poolSize: WRITERS + 2 }, silentLogger);
  });

  afterAll(async () => {
    await store?.close();
    await dispose?.();
  });

  it('never deadlocks: no statement is aborted by PostgreSQL to break a cycle', async () => {
    const keys = Array.from({ length: KEYS }, (_, i) => `id:user-${String(i).padStart(4, '0')}`);
    // Full buckets that owe nothing (the sweep's prey), created one by one in reverse key order.
    const ask = (key: string) => ({ key, capacity: 1000, windowMs: 60_000, want: 0 });
    for (const key of [...keys].reverse()) await store.buckets.take([ask(key)], Date.now(), 30_000);

    const deadlocks: string[] = [];
    const counted = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        if ((error as { code?: string }).code === '40P01') deadlocks.push((error as Error).message);
        else throw error;
      }
    };
    const writer = async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const asks = keys.map(ask);
        // A batch's take (its own statement), then its settle inside the settle transaction.
        await counted(() => store.buckets.take(asks, Date.now(), 30_000));
        await counted(() => store.transaction((tx) => tx.buckets.settle(asks, Date.now(), 30_000), 'relaxed'));
      }
    };
    let swept = 0;
    const sweeper = async () => {
      for (let i = 0; i < SWEEPS; i++) await counted(async () => (swept += await store.buckets.sweep(Date.now())));
    };
    await Promise.all([...Array.from({ length: WRITERS }, writer), sweeper()]);
    expect(deadlocks).toEqual([]);
    // The sweeps did their work meanwhile: the race was run, not avoided.
    expect(swept).toBeGreaterThan(0);
  });
});
