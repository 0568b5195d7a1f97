import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RetryPolicy } from '../../src/common/retry-policy.js';
import { StartupError } from '../../src/host/errors.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { waitFor } from '../helpers/conditions.js';
import { API_KEY, APP_ID, startSandbox, TS } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';

const HEAP_MODULE = { module: '@datafly/heap-integration', export: 'heapModule' };

/**
 * Delivery in a worker thread of its own (what `npm start` runs): the thread has its own store
 * connection and view of the integrations, and the host's thread passes it wake-ups, changes and
 * deletions, and writes its logs and counts. What an operator sees must not tell the two apart.
 */
describe.each(ENGINES)('delivery in its own thread on %s', (engine: EngineName) => {
  let sandbox: HeapSandbox;
  let host: TestHost;

  hostOverSandbox(engine, { deliveryThread: { plugins: [HEAP_MODULE] }, retry: new RetryPolicy([50, 100, 600_000], () => 0.5), rateLimits: false }, (started) => ({ host, sandbox } = started));

  const install = async () => (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;
  const send = async (events: Record<string, unknown>[]) => {
    const answer = await host.call('POST', '/v1/batch', { batch: events.map((e) => ({ type: 'track', event: 'Threaded', timestamp: TS, ...e })) }, host.pipelineKey);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const atHeap = (messageId: string) => sandbox.recordedEvents().some((e) => e.idempotency_key === messageId);

  it('delivers, logs each attempt and counts in /metrics', async () => {
    const id = await install();
    await send([
      { messageId: 't-1', userId: 'u-1', properties: { cart: { items: [{ sku: 'A' }, { sku: 'B' }] } } },
      { messageId: 't-2', anonymousId: 'anon-2' },
    ]);
    await waitFor(() => atHeap('t-1') && atHeap('t-2'), { what: 't-1 and t-2 at Heap' });
    expect(sandbox.recordedEvents().find((e) => e.idempotency_key === 't-1')).toMatchObject({ event: 'Threaded', identity: 'u-1', properties: { 'cart.items.sku': 'A||B' } });

    const logs = async () => (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs`)).body.data as { message_id: string; status: string }[];
    await waitFor(async () => (await logs()).length === 2, { what: 'two delivery logs' });
    expect((await logs()).map((l) => [l.message_id, l.status]).sort()).toEqual([['t-1', 'delivered'], ['t-2', 'delivered']]);
    await waitFor(async () => (await host.call('GET', '/metrics')).text.includes(`datafly_events_delivered_total{integration="${id}"} 2`), { what: 'the delivered counter at 2' });
    expect(await host.queued(id)).toEqual({ waiting: 0, dead: 0 });
    await host.delivery.drained();
  });

  it('pauses on a 401 (the Management API shows it, its log line comes through the host logger), resumes on a config edit, and never writes the api_key to a log', async () => {
    const id = await install();
    sandbox.addFault({ path: '/api/', status: 401 });
    await send([{ messageId: 'p-1', userId: 'u-1' }]);
    const delivery = async () => (await host.call('GET', `/v1/admin/integrations/${id}`)).body.delivery;
    await waitFor(async () => (await delivery()).state === 'paused', { what: 'a pause seen by the Management API' });
    // The host thread's own look at the store may show the pause before the thread's log line has crossed.
    await waitFor(() => host.logLines.some((l) => l.includes('"thread":"delivery"') && l.includes('delivery paused')), { what: "the thread's log line of the pause" });

    sandbox.reset();
    const edited = await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } });
    expect(edited.status).toBe(200);
    await waitFor(() => atHeap('p-1'), { what: 'p-1 at Heap after the edit' });
    await waitFor(async () => (await delivery()).state === 'running', { what: 'the integration running again' });
    expect(host.logLines.filter((l) => l.includes(API_KEY))).toEqual([]);
  });

  it('filters an event of a user deleted while it was in flight when it comes back: the deletion reaches the thread at once', async () => {
    // Timeouts end the held attempt; its retry comes 50 ms later, well inside the 5 s the thread would
    // otherwise keep its earlier read of the deletions.
    const id = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url, timeout_ms: 3000 } })).body.id as string;
    const held = sandbox.addFault({ idempotency_key: 'd-1', latency_ms: 600_000, count: 1 });
    await send([{ messageId: 'd-1', userId: 'gone-1' }]);
    await waitFor(() => held.fired === 1, { what: "d-1's request held at Heap" });
    // In flight, so the deletion cannot drop it from the queue: only the thread's next look at the deletions holds it back.
    expect((await host.call('POST', `/v1/admin/integrations/${id}/user-deletions`, { user_ids: ['gone-1'] })).status).toBe(202);
    // Either filtered (its log then cleared with the user's), or sent by a thread that missed the deletion.
    const filtered = async () => (await host.call('GET', '/metrics')).text.includes(`datafly_events_filtered_total{integration="${id}"} 1`);
    await waitFor(async () => atHeap('d-1') || (await filtered()), { what: 'd-1 settled' });
    expect(atHeap('d-1')).toBe(false);
  });

  it('answers applied() only once a removed integration\'s batch in flight has finished', async () => {
    const id = await install();
    const held = sandbox.addFault({ idempotency_key: 'r-1', latency_ms: 1500, count: 1, status: 200 });
    await send([{ messageId: 'r-1', userId: 'u-1' }]);
    await waitFor(() => held.fired === 1, { what: "r-1's request held at Heap" });
    expect((await host.call('DELETE', `/v1/admin/integrations/${id}`)).status).toBe(204);
    await host.delivery.applied();
    // The sandbox records a request when it answers it: the batch was answered before applied() resolved.
    expect(sandbox.recordedRequests({ path: '/api/track' }).some((r) => JSON.stringify(r.body).includes('r-1'))).toBe(true);
    await host.delivery.drained();
  });
});

describe('a delivery thread that cannot load its plugins', () => {
  it('stops the start with one line naming the module', async () => {
    const started = startTestHost({ deliveryThread: { plugins: [{ module: '@datafly/no-such-plugin', export: 'heapModule' }] } });
    await expect(started).rejects.toBeInstanceOf(StartupError);
    await expect(started).rejects.toThrow(/^The delivery thread could not start: .*@datafly\/no-such-plugin/);
  });
});

describe.each([
  ['sqlite', 'throw', 'a plugin bug outside any promise'],
  ['postgres', 'throw', 'a plugin bug outside any promise'],
  ['sqlite', 'exit', 'it ended with exit code 3'],
] as const)('a delivery thread that fails on %s (its plugin: %s)', (engine: EngineName, how, why) => {
  const flag = join(mkdtempSync(join(tmpdir(), 'datafly-crash-')), 'crashed');
  let sandbox: HeapSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it('is started again, and the batch it had in flight is delivered once by the next thread', async () => {
    const fixture = new URL('../fixtures/crash-once-plugin.mjs', import.meta.url);
    fixture.searchParams.set('flag', flag);
    fixture.searchParams.set('how', how);
    const crashOnce = { module: fixture.href, export: 'crashOnceModule' };
    // A short lease: on PostgreSQL a dead thread's claims come back when their lease runs out.
    const host = await startTestHost({ deliveryThread: { plugins: [crashOnce] }, rateLimits: false, leaseMs: 1000 }, { engine });
    try {
      const id = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;
      const answer = await host.call('POST', '/v1/batch', { batch: ['c-1', 'c-2'].map((messageId) => ({ type: 'track', event: 'Crashed', userId: 'u-1', messageId, timestamp: TS })) }, host.pipelineKey);
      expect(answer.body.accepted).toBe(2);
      await waitFor(() => host.logLines.some((l) => l.includes('the delivery thread failed') && l.includes(why)), { what: 'the thread failing' });
      expect(readFileSync(flag, 'utf8')).toMatch(/^crashed on \d events/);
      await waitFor(() => ['c-1', 'c-2'].every((m) => sandbox.recordedEvents().some((e) => e.idempotency_key === m)), { what: 'c-1 and c-2 at Heap' });
      await waitFor(() => host.logLines.some((l) => l.includes('the delivery thread runs again')), { what: 'the thread running again' });
      await waitFor(async () => (await host.queued(id)).waiting === 0, { what: 'the queue empty' });
      expect((await host.call('GET', '/metrics')).text).toContain('datafly_delivery_thread_restarts_total 1');
      expect((await host.call('GET', '/v1/admin/host')).body.delivery_thread).toBe(true);
      expect(sandbox.recordedEvents().filter((e) => e.idempotency_key === 'c-1' || e.idempotency_key === 'c-2')).toHaveLength(2);
    } finally {
      await host.cleanup();
    }
  });
});
