import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '@datafly/heap-integration/contract';
import type { DeliveryLogEntry } from '../../src/host/store/delivery-logs.js';
import { Store } from '../../src/host/store/store.js';
import { ENGINES, freshLocation, type EngineName } from '../helpers/engines.js';

describe.each(ENGINES)('delivery log retention on %s', (engine: EngineName) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    const place = await freshLocation(engine);
    dispose = place.dispose;
    store = await Store.open(place.location, silentLogger);
  });
  afterAll(async () => {
    await store?.close();
    await dispose?.();
  });

  it('deletes the entries and counts older than the cutoff, in chunks, and keeps the rest', async () => {
    const entry = (n: number, day: string): DeliveryLogEntry => ({
      integration_id: 'int_1',
      message_id: `m-${n}`,
      attempt: 1,
      status: 'delivered',
      warnings: [],
      duration_ms: 1,
      created_at: `${day}T12:00:00.000Z`,
    });
    await store.logs.append([...Array.from({ length: 25 }, (_, n) => entry(n, '2026-01-01')), ...Array.from({ length: 5 }, (_, n) => entry(100 + n, '2026-03-01'))]);
    await store.logs.count('int_1', Date.parse('2026-01-01T12:00:00.000Z'), { delivered: 25 });
    await store.logs.count('int_1', Date.parse('2026-03-01T12:00:00.000Z'), { delivered: 5 });
    expect(await store.logs.prune('2026-02-01T00:00:00.000Z', 10)).toBe(25);
    const left = (await store.logs.page('int_1', { limit: 100 })).rows.map((r) => r.message_id);
    expect(left).toEqual(['m-104', 'm-103', 'm-102', 'm-101', 'm-100']);
    expect(await store.logs.counts('int_1', 0)).toEqual([{ minute: Date.parse('2026-03-01T12:00:00.000Z'), status: 'delivered', count: 5 }]);
    expect(await store.logs.prune('2026-02-01T00:00:00.000Z')).toBe(0);
  });
});
