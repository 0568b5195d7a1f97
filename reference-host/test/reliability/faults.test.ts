import { afterAll, describe, expect, it } from '@jest/globals';
import { RetryPolicy } from '../../src/common/retry-policy.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { waitFor, waitUntil } from '../helpers/conditions.js';
import { FULL_SCALE, printFigures } from '../helpers/figures.js';
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

async function deadLetters(host: TestHost): Promise<number> {
  return (await host.queued()).dead;
}

async function waiting(host: TestHost): Promise<number> {
  return (await host.queued()).waiting;
}

async function record(name: string, sent: number, sandbox: HeapSandbox, host: TestHost, extra: Record<string, string | number> = {}) {
  const stats = sandbox.stats();
  const dead = await deadLetters(host);
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
    await waitFor(async () => (await waiting(host)) === 0, { what: 'an empty queue' });
    const stats = sandbox.stats();
    const fired = ((await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()) as { fired: number }[]).map((f) => f.fired);
    await record('flaky Heap', events, sandbox, host, { 'faults fired 500/429/drop/slow': fired.join('/') });

    expect(stats.unique_idempotency_keys).toBe(events);
    expect(new Set(sandbox.recordedEvents().map((e) => e.idempotency_key))).toEqual(new Set(ids));
    expect(await deadLetters(host)).toBe(0);
    expect(fired.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
  }, LONG);

  it('Heap down for a while: the host backs off and probes with single events, then sends everything in full bulks', async () => {
    // Probes every 100 ms; the long last step only stretches the retry window (1.25 × the schedule), so
    // however slowly the machine gets through the outage, no waiting event expires into the dead letters.
    await withHost([100, 100, 100, 100, 100, 100, 100, 100, 100, 600_000], async ({ sandbox, host, id }) => {
    await sandbox.stop(); // connections refused from here on
    const events = FULL_SCALE ? 8_000 : 3_000;
    await ingest(host, 'down', events);
    const state = async () => (await host.call('GET', `/v1/admin/integrations/${id}`)).body.delivery;
    // Between a backoff's end and the next probe the state reads running: looked at until it backs off.
    const backingOff = (atLeast: number) => waitUntil(state, (s) => s.state === 'backing_off' && s.consecutive_failures >= atLeast, { what: `backing off after ${atLeast} failed requests` });
    await backingOff(5);
    // Only the probes spent an attempt: the rest of the queue waited.
    const probes = new Set<string>();
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page: { data: unknown[]; next_cursor: string | null } = (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).body;
      for (const l of page.data as { message_id: string }[]) probes.add(l.message_id);
      cursor = page.next_cursor;
    }
    // Read after the logs: every failure the logs show is counted here.
    const failures = (await backingOff(5)).consecutive_failures as number;
    await sandbox.start();
    await waitFor(async () => (await waiting(host)) === 0, { what: 'an empty queue' });
    const requests = sandbox.recordedRequests({ path: '/api/track' }).map((r) => (r.body as { events: unknown[] }).events.length);
    const sizes = [...requests].sort((a, b) => a - b);
    await record('Heap down, then back', events, sandbox, host, {
      'events tried during the outage': probes.size,
      'failed requests during the outage': failures,
      'requests after recovery': requests.length,
      'median events per request': sizes[Math.floor(sizes.length / 2)],
    });
    expect(sandbox.stats().unique_idempotency_keys).toBe(events);
    expect(await deadLetters(host)).toBe(0);
    // The first batch failed whole; after it, one event per failed probe (however many the outage
    // lasted): the rest went out in full bulks.
    expect(probes.size).toBeGreaterThanOrEqual(1000 + 4);
    expect(probes.size).toBeLessThanOrEqual(1000 + failures - 1);
    expect(requests.length).toBeLessThanOrEqual(Math.ceil(events / 1000) + probes.size);
    expect(requests.filter((n) => n === 1000).length).toBeGreaterThanOrEqual(Math.floor(events / 1000) - 1);
    });
  }, LONG);

  it('Heap down past the retry window: what waited goes to the dead letters, and a replay delivers it all', async () => {
    await withHost([30, 30, 30, 30], async ({ sandbox, host, id }) => {
    await sandbox.stop();
    const events = FULL_SCALE ? 5_000 : 2_000;
    await ingest(host, 'dead', events);
    await waitFor(async () => (await deadLetters(host)) === events, { what: 'every event dead-lettered' });
    const reasons = new Map<string, number>();
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page: { data: unknown[]; next_cursor: string | null } = (await host.call('GET', `/v1/admin/integrations/${id}/dead-letters?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).body;
      for (const d of page.data as { code: string; reason: string }[]) reasons.set(`${d.code}: ${d.reason}`, (reasons.get(`${d.code}: ${d.reason}`) ?? 0) + 1);
      cursor = page.next_cursor;
    }
    // Tried ones ran out of attempts; the rest never got one while Heap was down and expired in 150 ms (the window × 1.25).
    expect([...reasons.keys()].sort()).toEqual(
      [
        `expired: waited 150 ms without an attempt because its vendor could not be reached; replay it once delivery works again`,
        `network_error: gave up after 5 attempts: Could not reach Heap at ${sandbox.url}/api/track: the connection was refused.`,
      ].filter((r) => reasons.has(r)),
    );
    expect(reasons.get(`expired: waited 150 ms without an attempt because its vendor could not be reached; replay it once delivery works again`)).toBeGreaterThan(0);

    await sandbox.start();
    expect((await host.call('POST', `/v1/admin/integrations/${id}/dead-letters/replay`, { all: true })).body).toEqual({ replayed: events });
    await waitFor(async () => (await host.queued()).waiting + (await host.queued()).dead === 0, { what: 'an empty queue' });
    await record('Heap down past the retry window, then replay', events, sandbox, host);
    expect(sandbox.stats().unique_idempotency_keys).toBe(events);
    });
  }, LONG);

  it('poison events: each bad one is isolated and dead-lettered with Heap’s message, every good one delivered', async () => {
    await withHost([20, 20, 20, 20], async ({ sandbox, host, id }) => {
    const events = FULL_SCALE ? 10_000 : 3_000;
    const bad = Array.from({ length: events / 500 }, (_, i) => `poison-${i * 500 + 137}`);
    sandbox.addFault({ path: '/api/track', idempotency_keys: bad, status: 400, body: '{"error":"events[0].properties: rejected by Heap"}' });
    await ingest(host, 'poison', events);
    await waitFor(async () => (await host.queued()).dead === bad.length && (await waiting(host)) === 0, { what: 'only dead letters left' });
    const stats = sandbox.stats();
    const batches = Math.ceil(events / 1000);
    const extra = stats.requests - batches;
    // Isolating one bad event in a batch of 1000 costs about 2·log2(1000) ≈ 20 more requests.
    const bound = bad.length * 2 * Math.ceil(Math.log2(1000));
    await record('poison events', events, sandbox, host, { bad: bad.length, 'extra requests': extra, 'bound (bad × 2·log2 1000)': bound });

    expect(stats.unique_idempotency_keys).toBe(events - bad.length);
    const deadRows = (await host.call('GET', `/v1/admin/integrations/${id}/dead-letters?limit=100`)).body.data;
    expect(deadRows.map((d: { message_id: string }) => d.message_id).sort()).toEqual([...bad].sort());
    expect(new Set(deadRows.map((d: { reason: string }) => d.reason))).toEqual(new Set(['Heap rejected the request (400): events[0].properties: rejected by Heap']));
    expect(extra).toBeLessThanOrEqual(bound);
    });
  }, LONG);
});
