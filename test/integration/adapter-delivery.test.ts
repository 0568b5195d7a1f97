import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataflyEvent, DeliveryAdapter } from '../../src/contract/index.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { APP_ID, event, heapAdapter, startSandbox } from '../helpers/heap.js';

/** The adapter over real HTTP against the sandbox: batching, isolation, classification, idempotency. */
describe('Heap delivery adapter over HTTP', () => {
  let sandbox: HeapSandbox;
  let adapter: DeliveryAdapter;

  beforeAll(async () => {
    sandbox = await startSandbox();
    adapter = heapAdapter(sandbox);
  });
  afterAll(async () => {
    await adapter.close();
    await sandbox.stop();
  });
  afterEach(() => sandbox.reset());

  function mixedBatch(n: number): DataflyEvent[] {
    return Array.from({ length: n }, (_, i) => {
      switch (i % 5) {
        case 0:
          return event({ type: 'page', name: 'Home', messageId: `mix-${i}`, anonymousId: `anon-${i % 97}`, context: { page: { url: `https://shop.example.com/p/${i}` } } });
        case 1:
          return event({ event: 'Product Viewed', messageId: `mix-${i}`, userId: `user-${i % 89}`, properties: { sku: `SKU-${i}`, price: i } });
        case 2:
          return event({ event: 'Order Completed', messageId: `mix-${i}`, userId: `user-${i % 89}`, properties: { order_id: `o-${i}`, revenue: 10, products: [{ sku: 'A' }] } });
        case 3:
          return event({ event: 'Video Played', messageId: `mix-${i}`, anonymousId: `anon-${i % 97}` });
        default:
          return event({ type: 'identify', messageId: `mix-${i}`, userId: `user-${i % 89}`, anonymousId: null, traits: { plan: 'pro', seat: i } });
      }
    });
  }

  it('delivers 2,500 mixed events in the minimum number of bulk requests', async () => {
    const results = await adapter.deliver(mixedBatch(2500));
    expect(results).toHaveLength(2500);
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(2500);
    expect(results.map((r) => r.messageId)).toEqual(Array.from({ length: 2500 }, (_, i) => `mix-${i}`));
    // 2,000 track events → 2 requests of 1000; 500 identifies → 1 add_user_properties request of 500.
    const requests = sandbox.recordedRequests();
    expect(requests.map((r) => `${r.path} ${((r.body as Record<string, unknown[]>).events ?? (r.body as Record<string, unknown[]>).users).length}`).sort()).toEqual([
      '/api/add_user_properties 500',
      '/api/track 1000',
      '/api/track 1000',
    ]);
    expect(sandbox.stats().events_accepted).toBe(2000);
    expect(sandbox.stats().users).toBe(89);
  });

  it('isolates one malformed event in a batch of 1000: 999 delivered, 1 failed with Heap’s message', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => event({ messageId: `iso-${i}`, userId: `user-${i}` }));
    sandbox.addFault({ path: '/api/track', idempotency_key: 'iso-617', status: 400, body: '{"error":"events[0].properties: malformed"}' });
    const results = await adapter.deliver(batch);
    const failed = results.filter((r) => r.status !== 'delivered');
    expect(failed).toEqual([
      {
        messageId: 'iso-617',
        status: 'failed',
        httpStatus: 400,
        code: 'rejected',
        message: 'Heap rejected the request (400): events[0].properties: malformed',
        response: '{"error":"events[0].properties: malformed"}',
        warnings: [],
        requests: 11,
      },
    ]);
    expect(sandbox.stats().events_accepted).toBe(999);
    // One request for the whole batch, then two per halving level down to the single bad event.
    expect(sandbox.stats().requests).toBe(1 + 2 * Math.ceil(Math.log2(1000)));
  });

  it('classifies 401 as failed with the guide’s invalid-credentials wording', async () => {
    sandbox.addFault({ path: '/api/track', status: 401, body: 'Unauthorized' });
    const [result] = await adapter.deliver([event({ messageId: 'auth-1' })]);
    expect(result).toEqual({
      messageId: 'auth-1',
      status: 'failed',
      httpStatus: 401,
      code: 'invalid_credentials',
      message: `Invalid App ID or API key: Heap answered 401 for app ${APP_ID}. Verify the App ID and API key match the correct environment in Heap settings.`,
      response: 'Unauthorized',
      warnings: [],
      requests: 1,
    });
  });

  it('classifies 429 as retryable and honours Retry-After', async () => {
    sandbox.addFault({ path: '/api/track', status: 429, retry_after: 17, body: '{"error":"rate limit exceeded"}' });
    const [result] = await adapter.deliver([event({ messageId: 'rl-1' })]);
    expect(result).toMatchObject({
      status: 'retryable',
      httpStatus: 429,
      code: 'rate_limited',
      retryAfterMs: 17_000,
      message: 'Heap rate limit reached (429): rate limit exceeded; Heap asked to retry after 17 s',
    });
  });

  it('classifies 500 as retryable without a Retry-After', async () => {
    sandbox.addFault({ path: '/api/track', status: 503 });
    const [result] = await adapter.deliver([event({ messageId: 'se-1' })]);
    expect(result).toMatchObject({ status: 'retryable', httpStatus: 503, code: 'server_error', message: 'Heap server error (503): injected fault (503)' });
    expect(result.retryAfterMs).toBeUndefined();
  });

  it('classifies a dropped connection as a retryable network error', async () => {
    sandbox.addFault({ path: '/api/track', drop: true, count: 1 });
    const [result] = await adapter.deliver([event({ messageId: 'drop-1' })]);
    expect(result).toMatchObject({ status: 'retryable', code: 'network_error', message: `Could not reach Heap at ${sandbox.url}/api/track: ECONNRESET` });
    expect(result.httpStatus).toBeUndefined();
  });

  it('classifies an answer slower than timeout_ms as a retryable timeout', async () => {
    const slow = heapAdapter(sandbox, { config: { timeout_ms: 1000 } });
    sandbox.addFault({ path: '/api/track', latency_ms: 1500, status: 200, count: 1 });
    const [result] = await slow.deliver([event({ messageId: 'slow-1' })]);
    await slow.close();
    expect(result).toMatchObject({ status: 'retryable', code: 'timeout', message: `Heap did not answer in time (${sandbox.url}/api/track)` });
  });

  it('never double-counts a retried batch: the idempotency key is the messageId', async () => {
    const batch = Array.from({ length: 300 }, (_, i) => event({ messageId: `retry-${i}`, userId: `u-${i}` }));
    sandbox.addFault({ path: '/api/track', drop: true, count: 1 });
    const first = await adapter.deliver(batch);
    expect(new Set(first.map((r) => r.status))).toEqual(new Set(['retryable']));
    const second = await adapter.deliver(batch);
    const third = await adapter.deliver(batch);
    expect(second.every((r) => r.status === 'delivered') && third.every((r) => r.status === 'delivered')).toBe(true);
    expect(sandbox.stats()).toMatchObject({ events_accepted: 300, unique_idempotency_keys: 300, duplicates: 300 });
  });

  it('testConnection: right key ok, wrong key invalid_credentials, Heap unreachable network_error', async () => {
    expect(await adapter.testConnection()).toEqual({ ok: true, httpStatus: 200, message: `Heap accepted the App ID and API key for app ${APP_ID}` });

    const wrong = heapAdapter(sandbox, { config: { api_key: 'not-the-key' } });
    const denied = await wrong.testConnection();
    await wrong.close();
    expect(denied).toEqual({
      ok: false,
      code: 'invalid_credentials',
      httpStatus: 401,
      message: `Invalid App ID or API key: Heap answered 401 for app ${APP_ID}. Verify the App ID and API key match the correct environment in Heap settings. The key must belong to the environment's Main Production App ID.`,
    });
    expect(JSON.stringify(denied)).not.toContain('not-the-key');

    const down = await startSandbox();
    const url = down.url;
    await down.stop();
    const unreachable = heapAdapter(sandbox, { config: { endpoint: url } });
    const answer = await unreachable.testConnection();
    await unreachable.close();
    expect(answer).toEqual({ ok: false, code: 'network_error', message: `Could not reach Heap at ${url}/api/public/v0/auth_token: ECONNREFUSED` });
  });
});

describe('identify merges', () => {
  it('sends each user_id → identity pair once: repeats in a batch and in later batches cost no request', async () => {
    const sandbox = await startSandbox();
    const adapter = heapAdapter(sandbox);
    try {
      const identify = (messageId: string, anonymousId: string) => event({ type: 'identify', userId: 'user-7', anonymousId, messageId, traits: {} });
      const first = await adapter.deliver([identify('m-1', 'anon-a'), identify('m-2', 'anon-a'), identify('m-3', 'anon-b')]);
      expect(first.map((r) => [r.status, r.requests])).toEqual([
        ['delivered', 1],
        ['delivered', 1],
        ['delivered', 1],
      ]);
      const again = await adapter.deliver([identify('m-4', 'anon-a')]);
      expect(again).toEqual([
        { messageId: 'm-4', status: 'delivered', warnings: [], requests: 0, response: 'merge skipped: Heap already accepted this user_id → identity pair from this installation' },
      ]);
      const withTraits = await adapter.deliver([event({ type: 'identify', userId: 'user-7', anonymousId: 'anon-b', messageId: 'm-5', traits: { plan: 'pro' } })]);
      expect(withTraits).toEqual([{ messageId: 'm-5', status: 'delivered', httpStatus: 200, response: '{}', warnings: [], requests: 1 }]);
      expect(sandbox.recordedRequests({ path: '/api/v1/identify' })).toHaveLength(2);
      expect(sandbox.mergesRecorded().map((m) => m.identity)).toEqual(['user-7', 'user-7']);
    } finally {
      await adapter.close();
      await sandbox.stop();
    }
  });
});
