import { afterAll, describe, expect, it } from '@jest/globals';
import { RetryPolicy } from '../../src/host/retry-policy.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { FULL_SCALE, printFigures, waitFor } from '../helpers/figures.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';

/**
 * Heap misbehaving while events flow through the host. Each case prints its figures and asserts the
 * exact outcome: every event at Heap exactly once (by idempotency key), nothing lost, nothing dead
 * unless Heap stayed down past the last attempt.
 */
const figures: Record<string, string | number>[] = [];
afterAll(() => printFigures('Faults', figures));

/** A sandbox and a host with Heap installed, torn down after `body` whatever happens. */
async function withHost(retrySchedule: number[], body: (ctx: { sandbox: HeapSandbox; host: TestHost; id: string }) => Promise<void>) {
  const sandbox = await startSandbox();
  const host = await startTestHost({ retry: new RetryPolicy(retrySchedule, () => 0.5), batchWaitMs: 10, rateLimits: false });
  try {
    const installed = await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url, timeout_ms: 1000 } });
    await body({ sandbox, host, id: installed.body.id });
  } finally {
    await host.cleanup();
    await sandbox.stop();
  }
}

const LONG = 300_000;

/** Posts `count` events in ingestion batches of `chunk`: a stream, as collectors send it. */
async function ingest(host: TestHost, prefix: string, count: number, chunk = 1000): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += chunk) {
    const batch = Array.from({ length: Math.min(chunk, count - i) }, (_, j) => {
      const n = i + j;
      ids.push(`${prefix}-${n}`);
      return n % 3 === 0
        ? { type: 'page', anonymousId: `anon-${n % 401}`, messageId: `${prefix}-${n}`, context: { page: { url: `https://shop.example.com/${n}` } } }
        : { type: 'track', event: 'Reliable', userId: `user-${n % 307}`, messageId: `${prefix}-${n}`, properties: { n } };
    });
    const answer = await host.call('POST', '/v1/batch', { batch }, host.pipelineKey);
    expect(answer.body.accepted).toBe(batch.length);
  }
  return ids;
}

function deadLetters(host: TestHost): number {
  return (host.db.prepare(`SELECT COUNT(*) AS n FROM queue WHERE state = 'dead'`).get() as { n: number }).n;
}

function queued(host: TestHost): number {
  return (host.db.prepare(`SELECT COUNT(*) AS n FROM queue`).get() as { n: number }).n;
}

function record(name: string, sent: number, sandbox: HeapSandbox, host: TestHost, extra: Record<string, string | number> = {}) {
  const stats = sandbox.stats();
  const dead = deadLetters(host);
  figures.push({
    case: name,
    sent,
    'delivered (unique at Heap)': stats.unique_idempotency_keys,
    'duplicates deduplicated by Heap': stats.duplicates,
    'dead letters': dead,
    lost: sent - stats.unique_idempotency_keys - dead,
    'Heap requests': stats.requests,
    ...extra,
  });
}

describe('faults', () => {
  it('flaky Heap: 500s, 429s with Retry-After, dropped connections and timeouts cost nothing', async () => {
    // Eleven attempts, so a batch unlucky eleven times over (0.4^11) does not dead-letter in the test.
    await withHost([20, 40, 80, 160, 200, 200, 200, 200, 200, 200], async ({ sandbox, host }) => {
    // Rules are tried in order, so each fraction is of what the rules before it let through:
    // 20% 500, 10% 429, 5% dropped, 5% answered after the client's 1 s timeout (and still counted by Heap).
    sandbox.addFault({ path: '/api/', status: 500, fraction: 0.2 });
    sandbox.addFault({ path: '/api/', status: 429, retry_after: 0, fraction: 0.1 / 0.8 });
    sandbox.addFault({ path: '/api/', drop: true, fraction: 0.05 / 0.7 });
    sandbox.addFault({ path: '/api/', latency_ms: 1300, fraction: 0.05 / 0.65 });
    const events = FULL_SCALE ? 20_000 : 4_000;
    const ids = await ingest(host, 'flaky', events, 100);
    await waitFor(() => queued(host) === 0, 120_000, 'an empty queue');
    const stats = sandbox.stats();
    const fired = ((await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()) as { fired: number }[]).map((f) => f.fired);
    record('flaky Heap', events, sandbox, host, { 'faults fired 500/429/drop/slow': fired.join('/') });

    expect(stats.unique_idempotency_keys).toBe(events);
    expect(new Set(sandbox.recordedEvents().map((e) => e.idempotency_key))).toEqual(new Set(ids));
    expect(deadLetters(host)).toBe(0);
    expect(fired.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
  }, LONG);

  it('Heap down for several retry intervals: events wait, then all arrive once it is back', async () => {
    await withHost([100, 100, 100, 100, 100, 100, 100, 100, 100, 100], async ({ sandbox, host }) => {
    await sandbox.stop(); // connections refused from here on
    const events = FULL_SCALE ? 5_000 : 2_000;
    await ingest(host, 'down', events);
    await waitFor(() => (host.db.prepare(`SELECT MIN(attempts) AS n FROM queue`).get() as { n: number }).n >= 3, 30_000, 'three failed attempts');
    expect(sandbox.stats().requests).toBe(0);
    await sandbox.start();
    await waitFor(() => queued(host) === 0, 60_000, 'an empty queue');
    record('Heap down, then back', events, sandbox, host);
    expect(sandbox.stats().unique_idempotency_keys).toBe(events);
    expect(deadLetters(host)).toBe(0);
    });
  }, LONG);

  it('Heap down past the last attempt: every event is a dead letter, and a replay delivers them all', async () => {
    await withHost([30, 30, 30, 30], async ({ sandbox, host, id }) => {
    await sandbox.stop();
    const events = FULL_SCALE ? 5_000 : 2_000;
    await ingest(host, 'dead', events);
    await waitFor(() => deadLetters(host) === events, 30_000, 'every event dead-lettered');
    const dead = await host.call('GET', `/v1/admin/integrations/${id}/dead-letters?limit=1`);
    expect(dead.body.data[0]).toMatchObject({ attempts: 5, status: 'retryable', code: 'network_error' });
    expect(dead.body.data[0].reason).toBe(`gave up after 5 attempts: Could not reach Heap at ${sandbox.url}/api/track: ECONNREFUSED`);

    await sandbox.start();
    expect((await host.call('POST', `/v1/admin/integrations/${id}/dead-letters/replay`, {})).body).toEqual({ replayed: events });
    await waitFor(() => queued(host) === 0, 60_000, 'an empty queue');
    record('Heap down past the last attempt, then replay', events, sandbox, host);
    expect(sandbox.stats().unique_idempotency_keys).toBe(events);
    });
  }, LONG);

  it('poison events: each bad one is isolated and dead-lettered with Heap’s message, every good one delivered', async () => {
    await withHost([20, 20, 20, 20], async ({ sandbox, host, id }) => {
    const events = FULL_SCALE ? 10_000 : 3_000;
    const bad = Array.from({ length: events / 500 }, (_, i) => `poison-${i * 500 + 137}`);
    sandbox.addFault({ path: '/api/track', idempotency_keys: bad, status: 400, body: '{"error":"events[0].properties: rejected by Heap"}' });
    await ingest(host, 'poison', events);
    await waitFor(() => queued(host) === bad.length && (host.db.prepare(`SELECT COUNT(*) AS n FROM queue WHERE state != 'dead'`).get() as { n: number }).n === 0, 60_000, 'only dead letters left');
    const stats = sandbox.stats();
    const batches = Math.ceil(events / 1000);
    const extra = stats.requests - batches;
    // Isolating one bad event in a batch of 1000 costs about 2·log2(1000) ≈ 20 more requests.
    const bound = bad.length * 2 * Math.ceil(Math.log2(1000));
    record('poison events', events, sandbox, host, { bad: bad.length, 'extra requests': extra, 'bound (bad × 2·log2 1000)': bound });

    expect(stats.unique_idempotency_keys).toBe(events - bad.length);
    const deadRows = (await host.call('GET', `/v1/admin/integrations/${id}/dead-letters?limit=100`)).body.data;
    expect(deadRows.map((d: { message_id: string }) => d.message_id).sort()).toEqual([...bad].sort());
    expect(new Set(deadRows.map((d: { reason: string }) => d.reason))).toEqual(new Set(['Heap rejected the request (400): events[0].properties: rejected by Heap']));
    expect(extra).toBeLessThanOrEqual(bound);
    });
  }, LONG);
});
