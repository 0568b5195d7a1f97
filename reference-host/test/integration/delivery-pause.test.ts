import { afterAll, describe, expect, it } from '@jest/globals';
import { RetryPolicy } from '../../src/common/retry-policy.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { stays, waitFor } from '../helpers/conditions.js';
import { printFigures } from '../helpers/figures.js';
import { API_KEY, APP_ID, startSandbox, TS } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';

const figures: Record<string, string | number>[] = [];
afterAll(() => printFigures('Delivery paused and capped', figures));

/**
 * Failures that speak for the installation (wrong credentials, a wrong endpoint) pause delivery
 * instead of spending the events' attempts; an operator's fix resumes it. A vendor asking to wait a
 * day is waited on only up to the host's cap.
 */
describe.each(ENGINES)('delivery paused on %s', (engine: EngineName) => {
  let sandbox: HeapSandbox;
  let host: TestHost;

  // A retry window far longer than the test: paused events must wait, never expire into the dead letters.
  hostOverSandbox(engine, { retry: new RetryPolicy([60_000, 60_000], () => 0.5), rateLimits: false }, (started) => ({ host, sandbox } = started));

  const send = async (ids: string[], integrations = 1) => {
    const answer = await host.call('POST', '/v1/batch', { batch: ids.map((messageId) => ({ type: 'track', event: 'Held', userId: 'u-1', messageId, timestamp: TS })) }, host.pipelineKey);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: ids.length, rejected: [], queued_for_integrations: integrations });
  };
  const delivery = async (id: string) => (await host.call('GET', `/v1/admin/integrations/${id}`)).body.delivery;
  const pausedLines = () => host.logLines.filter((l) => l.includes('"msg":"delivery paused: every event waits in the queue until the config is changed or a connection test passes"'));
  const triedOn = async (id: string, messageId: string) => (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?message_id=${messageId}`)).body.data;

  /**
   * Sends events while `pausedId` is paused and shows they stay untried, by a marker rather than a
   * pause: a second installation (on a sandbox of its own) takes the same events. Ingestion wakes both
   * workers at once; the paused one decides from its status alone, the other must read the queue, fill
   * a batch and reach its Heap, so once the marker sandbox holds the events the paused worker has had
   * its look at them. The marker installation is removed after, taking its queue with it.
   */
  const sendWhilePaused = async (pausedId: string, ids: string[]) => {
    const marker = await startSandbox();
    try {
      const markerId = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: marker.url } })).body.id as string;
      await send(ids, 2);
      const untried = async () => (await Promise.all(ids.map((m) => triedOn(pausedId, m)))).every((logs) => logs.length === 0);
      const atMarker = () => ids.every((m) => marker.recordedEvents().some((e) => e.idempotency_key === m));
      await stays(untried, { what: `${ids.join(', ')} untried on the paused installation`, rounds: 1, round: () => waitFor(atMarker, { what: `${ids.join(', ')} at the marker installation's Heap` }) });
      expect((await host.call('DELETE', `/v1/admin/integrations/${markerId}`)).status).toBe(204);
    } finally {
      await marker.stop();
    }
  };
  const metric = async (id: string, code: string) => (await host.call('GET', '/metrics')).text.includes(`datafly_integration_paused{integration="${id}",code="${code}"} 1`);

  it('pauses on 401 without spending attempts, resumes on a passing connection test; pauses on 404, resumes on a config edit', async () => {
    const id = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;
    const pausesBefore = pausedLines().length;

    // Heap refuses every call: the credentials are wrong.
    sandbox.addFault({ path: '/api/', status: 401 });
    await send(['p-1', 'p-2', 'p-3']);
    await waitFor(async () => (await delivery(id)).state === 'paused', { what: 'a pause' });
    expect(await delivery(id)).toEqual({
      state: 'paused',
      code: 'invalid_credentials',
      message: expect.stringMatching(/^Invalid App ID or API key: Heap answered 401 for app 1234567890/),
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    await waitFor(() => metric(id, 'invalid_credentials'), { what: 'the paused gauge' });
    // New events are still taken while paused; they wait with the others, untried.
    await sendWhilePaused(id, ['p-4', 'p-5']);
    expect(await host.queued(id)).toEqual({ waiting: 5, dead: 0 });
    expect((await host.call('GET', `/v1/admin/integrations/${id}/dead-letters`)).body.data).toEqual([]);
    expect(pausedLines().length - pausesBefore).toBe(1);
    expect(pausedLines().at(-1)).toContain('"code":"invalid_credentials"');
    // Each held try is logged as attempt 1 with the reason, as retryable: the event waits, it did not fail.
    const heldAttempts = (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs`)).body.data.map((l: Record<string, unknown>) => [l.attempt, l.status, l.code, l.http_status]);
    expect(new Set(heldAttempts.map((a: unknown[]) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify([1, 'retryable', 'invalid_credentials', 401])]));
    expect((await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?status=failed`)).body.data).toEqual([]);
    const requestsWhilePaused = sandbox.stats().requests;

    // The operator fixes it at Heap and tests the connection: delivery resumes, every event once.
    sandbox.clearFaults();
    const test = await host.call('POST', `/v1/admin/integrations/${id}/test-connection`);
    expect(test.body).toEqual({ ok: true, http_status: 200, message: `Heap accepted the App ID and API key for app ${APP_ID}`, resumed: true });
    await waitFor(async () => (await host.queued(id)).waiting === 0, { what: 'the held events delivered' });
    expect(await delivery(id)).toEqual({ state: 'running' });
    expect(await metric(id, 'invalid_credentials')).toBe(false);
    expect(sandbox.recordedEvents().map((e) => e.idempotency_key).sort()).toEqual(['p-1', 'p-2', 'p-3', 'p-4', 'p-5']);
    expect(sandbox.stats()).toMatchObject({ unique_idempotency_keys: 5, duplicates: 0 });
    const delivered = (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?status=delivered`)).body.data.map((l: Record<string, unknown>) => [l.message_id, l.attempt]).sort();
    // Attempt 1 again: the pause spent none.
    expect(delivered).toEqual([1, 2, 3, 4, 5].map((n) => [`p-${n}`, 1]));
    expect(host.logLines).toContainEqual(expect.stringContaining('"msg":"delivery resumed: the connection test passed"'));

    // Heap's endpoint is wrong: every request answers 404.
    sandbox.addFault({ path: '/', status: 404 });
    await send(['n-1', 'n-2']);
    await waitFor(async () => (await delivery(id)).state === 'paused', { what: 'a second pause' });
    expect(await delivery(id)).toMatchObject({ state: 'paused', code: 'endpoint_not_found', message: `Heap answered 404 for ${sandbox.url}/api/track: the endpoint does not look like Heap's API. Check the region and the endpoint override.` });
    await waitFor(() => metric(id, 'endpoint_not_found'), { what: 'the paused gauge' });
    expect(pausedLines().length - pausesBefore).toBe(2);
    expect(await host.queued(id)).toEqual({ waiting: 2, dead: 0 });

    // A config edit resumes it.
    sandbox.clearFaults();
    const edited = await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { timeout_ms: 5000 } });
    expect(edited.status).toBe(200);
    expect(edited.body.delivery).toEqual({ state: 'running' });
    await waitFor(async () => (await host.queued(id)).waiting === 0, { what: 'the held events delivered' });
    expect(sandbox.stats()).toMatchObject({ unique_idempotency_keys: 7, duplicates: 0 });
    expect((await host.call('GET', `/v1/admin/integrations/${id}/dead-letters`)).body.data).toEqual([]);
    figures.push({ engine, case: 'paused on 401, then 404', 'events held': 7, 'Heap requests while paused on 401': requestsWhilePaused, 'dead letters': 0, delivered: sandbox.stats().unique_idempotency_keys });
  });
});

describe.each(ENGINES)('Retry-After past the cap on %s', (engine: EngineName) => {
  it('waits DATAFLY_RETRY_AFTER_MAX_MS instead of a day, and logs that it capped it', async () => {
    const sandbox = await startSandbox();
    const capMs = 300;
    const host = await startTestHost({ retry: new RetryPolicy([50, 100, 150, 200], () => 0.5, capMs), rateLimits: false }, { engine });
    try {
      const id = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;
      sandbox.addFault({ path: '/api/track', status: 429, retry_after: 86_400, count: 1 });
      const started = Date.now();
      await host.call('POST', '/v1/t', { event: 'Later', userId: 'u-1', messageId: 'later-1', timestamp: TS }, host.pipelineKey);
      const logsOf = async () => (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?message_id=later-1`)).body.data.map((l: Record<string, unknown>) => [l.attempt, l.status, l.http_status, l.code]);
      // The delivered attempt is logged when its batch settles, just after Heap took it.
      await waitFor(async () => (await logsOf()).length === 2, { what: 'delivery after the capped wait' });
      const elapsed = Date.now() - started;
      expect(sandbox.recordedEvents()).toHaveLength(1);
      const logs = await logsOf();
      expect(logs).toEqual([
        [2, 'delivered', 200, null],
        [1, 'retryable', 429, 'rate_limited'],
      ]);
      const capped = host.logLines.filter((l) => l.includes('"msg":"the vendor asked to retry later than the cap; waiting the cap instead"'));
      expect(capped).toHaveLength(1);
      expect(JSON.parse(capped[0])).toMatchObject({ level: 'warn', asked_ms: 86_400_000, cap_ms: capMs, integrationId: id });
      figures.push({ engine, case: 'Retry-After: 86400 on a 429', 'cap (ms)': capMs, 'accepted → delivered (ms)': elapsed });
    } finally {
      await host.cleanup();
      await sandbox.stop();
    }
  });
});
