import { describe, expect, it } from '@jest/globals';
import { silentLogger } from '@datafly/heap-integration/contract';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { routesOf } from '../../src/host/http/route-table.js';
import { Store } from '../../src/host/store/store.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { waitFor } from '../helpers/conditions.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';

const ANON_1 = '1639105742322265';
const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The reference host over real HTTP, on each engine (a real SQLite file, a real PostgreSQL database), the sandbox as Heap. */
describe.each(ENGINES)('reference host on %s', (engine: EngineName) => {
  let sandbox: HeapSandbox;
  let host: TestHost;

  hostOverSandbox(engine, {}, (started) => ({ host, sandbox } = started));

  const install = async (config: Record<string, unknown> = {}) => {
    const answer = await host.call('POST', '/v1/admin/integration-catalog/heap/install', {
      name: 'Heap',
      variant: 'default',
      config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url, ...config },
      delivery_mode: 'server_side',
    });
    expect(answer.status).toBe(201);
    return answer.body.id as string;
  };
  const logsOf = async (id: string, query = '') => (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs${query}`)).body;

  it("accepts the guide's install call byte for byte and never shows or stores the api_key in plaintext", async () => {
    const guideBody = `{
    "name": "Heap",
    "variant": "default",
    "config": {
      "app_id": "1234567890",
      "api_key": "your_api_key"
    },
    "delivery_mode": "server_side"
  }`;
    const answer = await host.call('POST', '/v1/admin/integration-catalog/heap/install', guideBody);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      catalog_key: 'heap',
      name: 'Heap',
      variant: 'default',
      delivery_mode: 'server_side',
      enabled: true,
      revision: 1,
      config: { app_id: '1234567890', api_key: '********', region: 'us', timeout_ms: 10000 },
      delivery: { state: 'running' },
    });
    expect(answer.body.blueprint.events.page.vendor_event_name).toBe('pageview');

    const id = answer.body.id;
    const answers = [
      answer.text,
      (await host.call('GET', `/v1/admin/integrations/${id}`)).text,
      (await host.call('GET', '/v1/admin/integrations')).text,
      (await host.call('GET', `/v1/admin/integrations/${id}/revisions`)).text,
    ];
    for (const text of answers) expect(text).not.toContain('your_api_key');
    const row = (await host.store.integrations.get(id))!;
    expect(JSON.stringify(row)).not.toContain('your_api_key');
    expect(JSON.parse(row.secrets_json).api_key).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    if (engine === 'sqlite') expect(readFileSync(join(host.dataDir, 'host.sqlite')).includes('your_api_key')).toBe(false);
    expect(host.logLines.join('')).not.toContain('your_api_key');
  });

  it('answers 400 naming api_key when it is missing, 404 for an unknown catalog key, 400 for an unknown variant', async () => {
    const missing = await host.call('POST', '/v1/admin/integration-catalog/heap/install', { name: 'Heap', variant: 'default', config: { app_id: '1234567890' }, delivery_mode: 'server_side' });
    expect(missing).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'The Heap config is invalid: config.api_key is required', fields: [{ field: 'config.api_key', message: 'is required' }] } },
    });
    expect((await host.call('POST', '/v1/admin/integration-catalog/mixpanel/install', {})).body).toEqual({ error: { code: 'not_found', message: 'Catalog entry "mixpanel" was not found' } });
    const variant = await host.call('POST', '/v1/admin/integration-catalog/heap/install', { variant: 'gold', config: { app_id: '1', api_key: 'k' } });
    expect(variant.status).toBe(400);
    expect(variant.body.error.message).toBe('variant: "gold" is not a variant of Heap (known: default)');
    const mode = await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: '1', api_key: 'k' }, delivery_mode: 'client_side' });
    expect(mode.body.error.message).toBe('delivery_mode: Heap supports server_side, not "client_side"');
  });

  it('lists the catalog, filters it by category and describes Heap with its config schema and blueprint', async () => {
    expect((await host.call('GET', '/v1/admin/integration-catalog?category=analytics')).body.data.map((c: { key: string }) => c.key)).toEqual(['heap']);
    expect((await host.call('GET', '/v1/admin/integration-catalog?category=advertising')).body.data).toEqual([]);
    const heap = (await host.call('GET', '/v1/admin/integration-catalog/heap')).body;
    expect(heap.config_schema.required).toEqual(['app_id', 'api_key']);
    expect(heap.default_blueprints.default.version).toBe(2);
  });

  it('delivers a mixed batch to Heap and shows it in the delivery logs; an invalid event is reported, its neighbours delivered', async () => {
    const id = await install();
    const answer = await host.call(
      'POST',
      '/v1/batch',
      {
        batch: [
          { type: 'page', anonymousId: 'anon-1', messageId: 'b-1', timestamp: '2026-02-25T14:30:00.000Z', context: { page: { url: 'https://a.example/', title: 'A' } } },
          { type: 'track', event: 'Order Completed', userId: 'user-123', messageId: 'b-2', properties: { order_id: 'o-1', revenue: 42.5 } },
          { type: 'track', anonymousId: 'anon-1', messageId: 'b-3' },
          { type: 'identify', userId: 'user-123', anonymousId: 'anon-1', messageId: 'b-4', traits: { plan: 'pro' } },
        ],
      },
      host.pipelineKey,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      accepted: 3,
      rejected: [{ index: 2, field: 'batch.2.event', reason: 'a track event needs a non-empty event name' }],
      events: [
        { index: 0, messageId: 'b-1' },
        { index: 1, messageId: 'b-2' },
        { index: 3, messageId: 'b-4' },
      ],
      duplicates: [],
      queued_for_integrations: 1,
    });
    await host.delivery.drained();

    const track = sandbox.recordedRequests({ path: '/api/track' });
    expect(track).toHaveLength(1);
    const events = (track[0].body as { events: Record<string, unknown>[] }).events;
    expect(events[0]).toEqual({ user_id: ANON_1, event: 'pageview', properties: { url: 'https://a.example/', title: 'A' }, idempotency_key: 'b-1', timestamp: '2026-02-25T14:30:00.000Z' });
    expect(events[1]).toMatchObject({ identity: 'user-123', event: 'Order Completed', properties: { order_id: 'o-1', revenue: 42.5 }, idempotency_key: 'b-2' });
    expect(events[1].timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(sandbox.userProperties(APP_ID, 'user-123')).toEqual({ plan: 'pro' });
    expect(sandbox.mergesRecorded()).toEqual([{ app_id: APP_ID, user_id: ANON_1, identity: 'user-123' }]);

    const logs = await logsOf(id);
    expect(logs.data.map((l: Record<string, unknown>) => [l.message_id, l.status, l.http_status, l.attempt]).sort()).toEqual([
      ['b-1', 'delivered', 200, 1],
      ['b-2', 'delivered', 200, 1],
      ['b-4', 'delivered', 200, 1],
    ]);
  });

  it('retries through a stretch of 500s, probing with single events while Heap fails, and delivers each event once', async () => {
    const id = await install();
    sandbox.addFault({ path: '/api/track', status: 500, count: 2 });
    await host.call('POST', '/v1/batch', { batch: [1, 2, 3].map((n) => ({ type: 'track', event: 'Retry Me', userId: `u-${n}`, messageId: `r-${n}` })) }, host.pipelineKey);
    await host.delivery.drained();
    await waitFor(async () => (await logsOf(id, '?status=delivered')).data.length === 3, { what: 'three delivered logs' });
    expect(sandbox.stats()).toMatchObject({ events_accepted: 3, duplicates: 0 });
    // The first 500 failed the whole batch: the host backs off and probes with one event at a time
    // until Heap answers, instead of resending everything into a failing Heap.
    const requests = sandbox.recordedRequests({ path: '/api/track' }).map((r) => [r.status, (r.body as { events: { idempotency_key: string }[] }).events.map((e) => e.idempotency_key)]);
    expect(requests.slice(0, 2)).toEqual([
      [500, ['r-1', 'r-2', 'r-3']],
      [500, ['r-1']],
    ]);
    expect(requests.slice(2).map(([status]) => status)).toEqual(requests.slice(2).map(() => 200));
    expect(requests.slice(2).flatMap(([, keys]) => keys as string[]).sort()).toEqual(['r-1', 'r-2', 'r-3']);
    const attempts = (await logsOf(id, '?message_id=r-1')).data.map((l: Record<string, unknown>) => [l.attempt, l.status, l.http_status, l.code]);
    expect(attempts).toEqual([
      [3, 'delivered', 200, null],
      [2, 'retryable', 500, 'server_error'],
      [1, 'retryable', 500, 'server_error'],
    ]);
  });

  it('dead-letters an event Heap rejects, lists it, and replays it once the fault clears', async () => {
    const id = await install();
    sandbox.addFault({ path: '/api/track', idempotency_key: 'poison', status: 400, body: '{"error":"events[0].event: rejected by Heap"}' });
    await host.call('POST', '/v1/batch', { batch: ['ok-1', 'poison', 'ok-2'].map((m) => ({ type: 'track', event: 'Checked', userId: 'u', messageId: m })) }, host.pipelineKey);
    await host.delivery.drained();
    const dead = (await host.call('GET', `/v1/admin/integrations/${id}/dead-letters`)).body;
    expect(dead.data).toHaveLength(1);
    expect(dead.data[0]).toMatchObject({
      message_id: 'poison',
      attempts: 1,
      status: 'failed',
      code: 'rejected',
      http_status: 400,
      reason: 'Heap rejected the request (400): events[0].event: rejected by Heap',
      event: { type: 'track', event: 'Checked', messageId: 'poison' },
    });
    expect(sandbox.stats().events_accepted).toBe(2);

    sandbox.clearFaults();
    expect((await host.call('POST', `/v1/admin/integrations/${id}/dead-letters/replay`, { message_ids: ['poison'] })).body).toEqual({ replayed: 1 });
    await waitFor(async () => sandbox.stats().events_accepted === 3, { what: 'three events at Heap' });
    expect((await host.call('GET', `/v1/admin/integrations/${id}/dead-letters`)).body.data).toEqual([]);
    expect(sandbox.recordedEvents().map((e) => e.idempotency_key).sort()).toEqual(['ok-1', 'ok-2', 'poison']);
    // Asked again, or for an id that never was a dead letter: named, nothing replayed.
    expect((await host.call('POST', `/v1/admin/integrations/${id}/dead-letters/replay`, { message_ids: ['poison', 'ok-1', 'never-sent'] })).body).toEqual({
      replayed: 0,
      not_dead_letters: ['poison', 'ok-1', 'never-sent'],
    });
  });

  it('filters events whose consent denies analytics and logs why', async () => {
    const id = await install();
    await host.call(
      'POST',
      '/v1/batch',
      {
        batch: [
          { type: 'track', event: 'A', userId: 'u', messageId: 'c-flat', context: { consent: { analytics: false } } },
          { type: 'track', event: 'B', userId: 'u', messageId: 'c-nested', context: { consent: { categories: { analytics: true }, canonical: { analytics: false } } } },
          { type: 'track', event: 'C', userId: 'u', messageId: 'c-yes', context: { consent: { analytics: true } } },
        ],
      },
      host.pipelineKey,
    );
    await host.delivery.drained();
    await waitFor(async () => (await logsOf(id)).data.length === 3, { what: 'three delivery logs' });
    const logs = (await logsOf(id)).data.map((l: Record<string, unknown>) => [l.message_id, l.status, l.code, l.message]).sort();
    expect(logs).toEqual([
      ['c-flat', 'filtered', 'consent_denied', 'consent for "analytics" was not given'],
      ['c-nested', 'filtered', 'consent_denied', 'consent for "analytics" was not given'],
      ['c-yes', 'delivered', null, null],
    ]);
    expect(sandbox.recordedEvents().map((e) => e.idempotency_key)).toEqual(['c-yes']);
  });

  it('keeps immutable revisions for each change and picks up a new config', async () => {
    const id = await install();
    const patched = await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { api_key: '********', region: 'eu', endpoint: sandbox.url }, change_summary: 'EU data residency' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ revision: 2, config: { region: 'eu', api_key: '********' } });
    const disabled = await host.call('PATCH', `/v1/admin/integrations/${id}`, { enabled: false });
    expect(disabled.body).toMatchObject({ revision: 3, enabled: false });
    const revisions = (await host.call('GET', `/v1/admin/integrations/${id}/revisions`)).body.data;
    expect(revisions.map((r: Record<string, unknown>) => [r.revision_number, r.change_summary, r.enabled])).toEqual([
      [3, 'Disabled', false],
      [2, 'EU data residency', true],
      [1, 'Installed Heap (Default) from the catalog', true],
    ]);
    const badBlueprint = await host.call('PATCH', `/v1/admin/integrations/${id}`, { blueprint: { version: 2, delivery_mode: 'server_side', defaults: { action: 'maybe' } } });
    expect(badBlueprint.status).toBe(400);
    expect(badBlueprint.body.error.fields).toEqual([{ field: 'blueprint.defaults.action', message: 'must be one of "drop", "passthrough"' }]);
    const badOptions = await host.call('PATCH', `/v1/admin/integrations/${id}`, {
      blueprint: { version: 2, delivery_mode: 'server_side', defaults: { action: 'drop' }, options: { identity: { anonymous: 'guess' } } },
    });
    expect(badOptions.body.error.fields).toEqual([{ field: 'blueprint.options.identity.anonymous', message: 'must be one of "user_id_hash", "identity", "drop"' }]);
    // A typo is named, never silently dropped.
    const typo = await host.call('PATCH', `/v1/admin/integrations/${id}`, {
      blueprint: { version: 2, delivery_mode: 'server_side', defaults: { action: 'drop' }, events: { page: { vendor_event_nam: 'pageview' } } },
    });
    expect(typo.body.error.fields).toEqual([{ field: 'blueprint.events.page.vendor_event_nam', message: 'is not a known field; did you mean "vendor_event_name"?' }]);
    // null clears a field back to its default.
    const cleared = await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { timeout_ms: 5000 } });
    expect(cleared.body.config.timeout_ms).toBe(5000);
    expect((await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { timeout_ms: null } })).body.config.timeout_ms).toBe(10000);
  });

  it('records a revision only for a real change, says what changed, and pages the revisions', async () => {
    const id = await install();
    const patch = (body: unknown) => host.call('PATCH', `/v1/admin/integrations/${id}`, body);
    const summaryOnly = await patch({ change_summary: 'just a note' });
    expect(summaryOnly.status).toBe(400);
    expect(summaryOnly.body.error).toEqual({
      code: 'invalid_request',
      message: 'Nothing to change: give name, enabled, config or blueprint (change_summary only describes a change)',
      fields: [{ field: '(root)', message: 'needs name, enabled, config or blueprint' }],
    });
    // The same values again, and the stored blueprint again: nothing changes, no revision.
    const current = (await host.call('GET', `/v1/admin/integrations/${id}`)).body;
    const same = await patch({ name: 'Heap', enabled: true, config: { app_id: APP_ID, api_key: '********', endpoint: sandbox.url }, blueprint: current.blueprint });
    expect(same.status).toBe(200);
    expect(same.body.revision).toBe(1);
    expect((await patch({ name: 'Heap EU', config: { region: 'eu', timeout_ms: 5000 } })).body.revision).toBe(2);
    expect((await patch({ enabled: false })).body.revision).toBe(3);
    expect((await patch({ enabled: true, blueprint: { ...current.blueprint, defaults: { action: 'drop' } } })).body.revision).toBe(4);
    const summaries = (await host.call('GET', `/v1/admin/integrations/${id}/revisions`)).body.data.map((r: Record<string, unknown>) => [r.revision_number, r.change_summary]);
    expect(summaries).toEqual([
      [4, 'Enabled; Changed blueprint'],
      [3, 'Disabled'],
      [2, 'Renamed to "Heap EU"; Changed config (region, timeout_ms)'],
      [1, 'Installed Heap (Default) from the catalog'],
    ]);
    const first = (await host.call('GET', `/v1/admin/integrations/${id}/revisions?limit=3`)).body;
    expect([first.data.map((r: Record<string, unknown>) => r.revision_number), first.has_more, first.next_cursor]).toEqual([[4, 3, 2], true, '2']);
    const second = (await host.call('GET', `/v1/admin/integrations/${id}/revisions?limit=3&cursor=2`)).body;
    expect([second.data.map((r: Record<string, unknown>) => r.revision_number), second.has_more, second.next_cursor]).toEqual([[1], false, null]);
    const badLimit = await host.call('GET', `/v1/admin/integrations/${id}/revisions?limit=abc`);
    expect([badLimit.status, badLimit.body.error.fields]).toEqual([400, [{ field: 'limit', message: 'must be a whole number from 1 to 100' }]]);
  });

  it('says what a blueprint gets wrong for Heap: an option near miss, a date format it does not take, a blueprint meant for another plugin', async () => {
    const id = await install();
    const patch = async (blueprint: Record<string, unknown>) =>
      (await host.call('PATCH', `/v1/admin/integrations/${id}`, { blueprint: { version: 2, delivery_mode: 'server_side', defaults: { action: 'drop' }, ...blueprint } })).body.error?.fields;
    expect(await patch({ options: { identity: { anonymus: 'drop' } } })).toEqual([{ field: 'blueprint.options.identity.anonymus', message: 'is not a known field; did you mean "anonymous"?' }]);
    const track = (mapping: Record<string, unknown>) => ({ events: { track: { vendor_event_name: '{{event}}', mappings: [{ source: 'timestamp', target: 'when', ...mapping }] } } });
    expect(await patch(track({ transform: 'date_format', format: 'YYYY-MM-DD' }))).toEqual([{ field: 'blueprint.events.track.mappings.0.format', message: 'must be one of "iso", "unix", "unix_ms", "date"' }]);
    expect(await patch(track({ format: 'iso' }))).toEqual([{ field: 'blueprint.events.track.mappings.0.format', message: 'applies only to transform date_format' }]);
    expect(await patch({ integration: 'segment' })).toEqual([{ field: 'blueprint.integration', message: 'is "segment", but this blueprint is for heap: set "heap" or leave it out' }]);
    expect((await host.call('GET', `/v1/admin/integrations/${id}`)).body.revision).toBe(1);
  });

  it('refuses the secret mask as an api_key at install: there is no stored key for it to keep', async () => {
    const answer = await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: '********', endpoint: sandbox.url } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.fields).toEqual([{ field: 'config.api_key', message: 'is the mask "********" that answers show in place of a secret: give the value itself' }]);
  });

  it('answers test-connection with the adapter’s verdict', async () => {
    const good = await install();
    expect((await host.call('POST', `/v1/admin/integrations/${good}/test-connection`)).body).toEqual({ ok: true, http_status: 200, message: `Heap accepted the App ID and API key for app ${APP_ID}`, resumed: false });
    const bad = await install({ api_key: 'wrong-key-123' });
    const answer = (await host.call('POST', `/v1/admin/integrations/${bad}/test-connection`)).body;
    expect(answer).toMatchObject({ ok: false, code: 'invalid_credentials', http_status: 401 });
    expect(answer.message).toMatch(/^Invalid App ID or API key: Heap answered 401 for app 1234567890\./);
  });

  it('refuses a wrong admin token or pipeline key on every protected route, and serves /health without one', async () => {
    const protectedRoutes = routesOf(host.app).filter((r) => r.auth !== 'public');
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(20);
    for (const route of protectedRoutes) {
      const path = route.url.replace(/:(\w+)/g, 'x');
      for (const token of ['', 'wrong', route.auth === 'admin' ? host.pipelineKey : host.adminToken]) {
        const answer = await host.call(route.method, path, route.method === 'GET' || route.method === 'DELETE' ? undefined : {}, token);
        expect([route.method, path, token, answer.status]).toEqual([route.method, path, token, 401]);
        expect(answer.body.error.code).toBe('unauthorized');
      }
    }
    expect((await host.call('GET', '/health', undefined, '')).body).toMatchObject({ status: 'ok', version: PACKAGE.version });
  });

  it('bounds ingestion: 413 past the batch length, per-item answers for bad items', async () => {
    const tooMany = await host.call('POST', '/v1/batch', { batch: Array.from({ length: 1001 }, () => ({})) }, host.pipelineKey);
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toEqual({ code: 'batch_too_large', message: 'batch: holds 1001 events; at most 1000 per request' });
    const allBad = await host.call('POST', '/v1/p', { type: 'track', anonymousId: 'a' }, host.pipelineKey);
    expect(allBad.status).toBe(400);
    expect(allBad.body.rejected).toEqual([{ index: 0, field: 'type', reason: 'this endpoint takes page events only' }]);
    expect(allBad.body.queued_for_integrations).toBe(0);
    const notJson = await host.call('POST', '/v1/batch', '{"batch": [', host.pipelineKey);
    expect(notJson.body).toEqual({ error: { code: 'invalid_json', message: 'The request body is not valid JSON' } });
  });

  it('exposes Prometheus metrics', async () => {
    const id = await install();
    await host.call('POST', '/v1/t', { event: 'Metered', userId: 'u', messageId: 'met-1' }, host.pipelineKey);
    await host.delivery.drained();
    await waitFor(async () => (await host.call('GET', '/metrics')).text.includes(`datafly_events_delivered_total{integration="${id}"} 1`), { what: 'the delivered counter at 1' });
    const text = (await host.call('GET', '/metrics')).text;
    expect(text).toContain(`datafly_events_accepted_total{integration="${id}"} 1`);
    expect(text).toContain(`datafly_delivery_latency_seconds_count{integration="${id}"} 1`);
    // An empty queue is 0, not an absent series, so dashboards and alerts see every integration.
    for (const state of ['pending', 'inflight', 'dead']) expect(text).toContain(`datafly_queue_depth{integration="${id}",state="${state}"} 0`);
  });
});

describe.each(ENGINES)('reference host on %s across a restart', (engine: EngineName) => {
  it('delivers every event still queued when it stopped, including those a crash left in flight', async () => {
    const sandbox = await startSandbox();
    // A batch wait of a minute keeps 500 events (half a batch) in the queue until the stop.
    const first = await startTestHost({ batchWaitMs: 60_000 }, { engine });
    const id = (await first.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id;
    const batch = Array.from({ length: 500 }, (_, i) => ({ type: 'track', event: 'Queued', userId: `u-${i % 7}`, messageId: `q-${i}` }));
    expect((await first.call('POST', '/v1/batch', { batch }, first.pipelineKey)).body.accepted).toBe(500);
    await first.stop();
    // Only the install's credentials check reached Heap: no event went before the stop.
    expect(sandbox.recordedRequests().map((r) => r.path)).toEqual(['/api/public/v0/auth_token']);
    // As a crash mid-delivery would leave them: 200 claimed by an instance that never settles them.
    // Claimed with no host running, so only the second host can hand them back, however long the stop took.
    const crashed = await Store.open(first.place.location, silentLogger);
    try {
      expect(await crashed.queue.claim(id, 'crashed-instance', Date.now(), 1000, 200)).toHaveLength(200);
    } finally {
      await crashed.close();
    }

    // Its own lease outlasts a busy machine's pauses; the crashed claims' one second has run out by then or soon.
    const second = await startTestHost({ batchWaitMs: 20, leaseMs: 10_000 }, { engine, place: first.place });
    await waitFor(() => sandbox.stats().unique_idempotency_keys === 500, { what: 'all 500 delivered' });
    await second.delivery.drained();
    expect(sandbox.stats()).toMatchObject({ events_accepted: 500, unique_idempotency_keys: 500, duplicates: 0 });
    // The embedded engine is one process: its claims return at start. On PostgreSQL the claims of
    // another instance are left alone until their lease expires, then any instance takes them.
    const log = second.logLines.join('');
    if (engine === 'sqlite') expect(log).toContain('"msg":"returned events that were in flight when delivery last stopped or failed to the queue; they are resent under the same idempotency keys","events":200');
    else expect(log).toContain('"msg":"returned events whose instance stopped renewing its claim (it died or lost the database) to the queue","events":200');
    await second.stop();
    await first.place.dispose();
    await sandbox.stop();
  });
});
