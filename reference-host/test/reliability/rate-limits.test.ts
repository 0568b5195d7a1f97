import { afterAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../helpers/conditions.js';
import { FULL_SCALE, printFigures } from '../helpers/figures.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { startTestHost } from '../helpers/host.js';

/**
 * Heap's limits with every window shrunk by the same factor on both sides (host and sandbox), so the
 * test runs in seconds. The sandbox enforces Heap's buckets and counts every 429 it gives. Throughput
 * is printed, not asserted: it is a timing, and timings belong to `npm run bench`.
 */
const figures: Record<string, string | number>[] = [];

afterAll(() => printFigures('Rate limits (windows scaled on host and sandbox alike)', figures));

async function run(name: string, scale: number, events: number, identities: number, burst: number, perMinute: number) {
  const sandbox = await startSandbox({ limits: { enabled: true, scale } });
  const host = await startTestHost({ rateLimits: true, rateLimitScale: scale, batchWaitMs: 5 });
  try {
    await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } });
    for (let i = 0; i < events; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, events - i) }, (_, j) => ({ type: 'track', event: 'Paced', userId: `user-${(i + j) % identities}`, messageId: `${name}-${i + j}` }));
      expect((await host.call('POST', '/v1/batch', { batch }, host.pipelineKey)).body.accepted).toBe(batch.length);
    }
    await waitFor(() => sandbox.stats().unique_idempotency_keys === events, { what: `${events} events at Heap` }).catch(async (error) => {
      // A stall explains itself: what the shared buckets, the queue and the delivery status held.
      const state = {
        sandbox: sandbox.stats(),
        now: Date.now(),
        buckets: await host.store.db.selectFrom('rate_limit_buckets').selectAll().execute(),
        queue: await host.store.db.selectFrom('queue').select(['state', 'attempts', 'next_attempt_at']).select((eb) => eb.fn.countAll().as('n')).groupBy(['state', 'attempts', 'next_attempt_at']).execute(),
        status: await host.store.status.list(),
        log: host.logLines.filter((l) => !l.includes('"msg":"http"')).slice(-20),
      };
      process.stdout.write(`\nrate-limit stall: ${JSON.stringify(state, null, 1)}\n`);
      throw error;
    });
    const stats = sandbox.stats();
    // From Heap's first accepted request to its last: the stretch the limits govern.
    const times = sandbox.recordedRequests({ status: 200 }).map((r) => Date.parse(r.received_at));
    const spanMs = Math.max(...times) - Math.min(...times);
    const idealMs = (Math.max(0, events - burst) / perMinute) * 60_000 * scale;
    figures.push({
      case: name,
      'minute =': `${60_000 * scale} ms`,
      events,
      identities,
      'delivered': stats.unique_idempotency_keys,
      requests: stats.requests,
      '429s': stats.by_status[429] ?? 0,
      'first→last ms': spanMs,
      'limits allow ms': Math.round(idealMs),
      'throughput / allowed': `${((idealMs / Math.max(spanMs, 1)) * 100).toFixed(0)}%`,
    });
    return stats;
  } finally {
    await host.cleanup();
    await sandbox.stop();
  }
}

describe('rate limits: the host paces itself so Heap never has to refuse it', () => {
  it('a single identity sending 5,000 events stays within 1,000 events per minute per identity', async () => {
    const stats = await run('one identity', 0.01, FULL_SCALE ? 5000 : 3000, 1, 1000, 1000);
    expect(stats.by_status[429]).toBeUndefined();
    expect(stats.rate_limited).toEqual({});
    expect(stats.duplicates).toBe(0);
  });

  it('50 identities sending 20,000 events stay within 15,000 events per minute per app', async () => {
    const stats = await run('50 identities', 0.1, FULL_SCALE ? 20_000 : 17_000, 50, 15_000, 15_000);
    expect(stats.by_status[429]).toBeUndefined();
    expect(stats.rate_limited).toEqual({});
    expect(stats.duplicates).toBe(0);
  });
});
