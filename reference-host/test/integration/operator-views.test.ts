import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { RetryPolicy } from '../../src/common/retry-policy.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { openStream } from '../helpers/event-stream.js';
import { waitFor } from '../helpers/conditions.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';

describe.each(ENGINES)('operator views on %s', (engine: EngineName) => {
  let sandbox: HeapSandbox;
  let host: TestHost;
  let id: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    // Retries a second apart, and a retry window of minutes (its long last step; not the harness's 0.6 s):
    // events held by a pause must outlast a deletion's round trip, however busy the machine.
    host = await startTestHost({ retry: new RetryPolicy([1000, 2000, 4000, 600_000], () => 0.5) }, { engine });
  });
  afterAll(async () => {
    await host?.cleanup();
    await sandbox?.stop();
  });
  afterEach(async () => {
    if (!host) return;
    await host.call('DELETE', `/v1/admin/integrations/${id}`);
    sandbox.reset();
  });
  const install = async () => {
    id = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id;
    return id;
  };
  const send = (batch: Record<string, unknown>[], to: TestHost = host) => to.call('POST', '/v1/batch', { batch }, to.pipelineKey);

  it('overview: outcomes of this minute and hour from the store, the queue, and how full the app allowance is', async () => {
    // Windows 10,000 times longer: a token of the allowance takes 40 s to come back, so what the batch took stays visible.
    const slow = await startTestHost({ rateLimitScale: 10_000 }, { engine });
    const own = async () => (await slow.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;
    try {
    const id = await own();
    const host = slow;
    sandbox.addFault({ path: '/api/track', idempotency_key: 'ov-bad', status: 400, body: '{"error":"nope"}' });
    await send(
      [
      { type: 'track', event: 'A', userId: 'u1', messageId: 'ov-1' },
      { type: 'track', event: 'A', userId: 'u1', messageId: 'ov-bad' },
      { type: 'track', event: 'A', userId: 'u1', messageId: 'ov-3', context: { consent: { analytics: false } } },
      { type: 'page', anonymousId: 'a1', messageId: 'ov-4' },
      ],
      host,
    );
    await host.delivery.drained();
    const overview = (await host.call('GET', `/v1/admin/integrations/${id}/overview`)).body;
    expect(overview.minutes).toHaveLength(60);
    expect(overview.hours).toHaveLength(24);
    const total = (series: Record<string, number>[]) => ({
      delivered: series.reduce((n, m) => n + m.delivered, 0),
      filtered: series.reduce((n, m) => n + m.filtered, 0),
      failed: series.reduce((n, m) => n + m.failed, 0),
      dead: series.reduce((n, m) => n + m.dead, 0),
      retryable: series.reduce((n, m) => n + m.retryable, 0),
    });
    // The refused event counts once, as failed (it is in the dead letters all the same).
    expect(total(overview.minutes)).toEqual({ delivered: 2, filtered: 1, failed: 1, dead: 0, retryable: 0 });
    expect(total(overview.hours)).toEqual(total(overview.minutes));
    expect(overview.queue).toEqual({ waiting: 0, dead: 1, oldest_waiting_at: null, oldest_waiting_age_s: null });
    expect(overview.delivery).toEqual({ state: 'running' });
    // Three track/page events went to Heap (the rejected one too): they drew on the app's 15,000-per-minute allowance.
    expect(overview.rate_limits).toEqual([
      { name: 'events_per_app', description: 'Bulk track: 15,000 events per minute per app_id', scope: 'app', unit: 'events', limit: 15000, window_ms: 600_000_000, available: 14997, used_fraction: 0 },
    ]);
    } finally {
      await slow.cleanup();
    }
  });

  it('overview: each event counted once in its final state, each retry once as retryable; the counts add up to the events sent', async () => {
    // Five attempts in a few seconds, so an event runs out of them; the long last step keeps the retry
    // window (its sum and a quarter) well past what a busy machine needs to make each attempt when due.
    const quick = await startTestHost({ retry: new RetryPolicy([200, 200, 200, 5_000], () => 0.5) }, { engine });
    try {
      const id = (await quick.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;
      sandbox.addFault({ path: '/api/track', idempotency_key: 'once-refused', status: 400, body: '{"error":"nope"}' });
      sandbox.addFault({ path: '/api/track', idempotency_key: 'once-tired', status: 503, body: '{"error":"busy"}' });
      const delivered = Array.from({ length: 15 }, (_, i) => ({ type: 'track', event: 'Counted', userId: 'u-once', messageId: `once-${i}` }));
      await send([...delivered, { type: 'track', event: 'Counted', userId: 'u-once', messageId: 'once-refused' }, { type: 'track', event: 'Counted', userId: 'u-once', messageId: 'once-filtered', context: { consent: { analytics: false } } }], quick);
      await quick.delivery.drained();
      // Alone, so that only its own attempts are retried.
      await send([{ type: 'track', event: 'Counted', userId: 'u-once', messageId: 'once-tired' }], quick);
      await quick.delivery.drained();
      const overview = (await quick.call('GET', `/v1/admin/integrations/${id}/overview`)).body;
      const sum = (key: string) => (overview.minutes as Record<string, number>[]).reduce((n, m) => n + m[key], 0);
      const totals = Object.fromEntries(['delivered', 'filtered', 'failed', 'dead', 'retryable'].map((key) => [key, sum(key)]));
      expect(totals).toEqual({ delivered: 15, filtered: 1, failed: 1, dead: 1, retryable: 4 });
      expect(totals.delivered + totals.filtered + totals.failed + totals.dead).toBe(18);
      expect(overview.queue).toMatchObject({ waiting: 0, dead: 2 });
    } finally {
      await quick.cleanup();
    }
  });

  it('live stream: new deliveries arrive as Server-Sent Events, filtered, and resume after Last-Event-ID', async () => {
    await install();
    await send([{ type: 'track', event: 'Before', userId: 'u0', messageId: 'st-0' }]);
    await host.delivery.drained();
    const all = openStream(`${host.url}/v1/admin/integrations/${id}/delivery-logs/stream?backlog=10`, host.adminToken);
    const onlyU2 = openStream(`${host.url}/v1/admin/integrations/${id}/delivery-logs/stream?backlog=0&user=u2`, host.adminToken);
    await waitFor(() => all.events.length === 1, { what: 'the backlog' });
    await send([
      { type: 'track', event: 'Live', userId: 'u1', messageId: 'st-1' },
      { type: 'track', event: 'Live', userId: 'u2', messageId: 'st-2', context: { consent: { analytics: false } } },
    ]);
    await waitFor(() => all.events.length === 3 && onlyU2.events.length === 1, { what: 'the live events' });
    expect(all.retry()).toBe(2000);
    // In log order: ids only grow (a batch writes the events it filtered before those it sent).
    expect(all.events.map((e) => e.id)).toEqual([...all.events.map((e) => e.id)].sort((a, b) => a - b));
    expect(all.events.map((e) => [e.data.message_id, e.data.status, e.data.event_name]).sort()).toEqual([
      ['st-0', 'delivered', 'Before'],
      ['st-1', 'delivered', 'Live'],
      ['st-2', 'filtered', 'Live'],
    ]);
    expect(onlyU2.events.map((e) => [e.data.message_id, e.data.code, e.data.message])).toEqual([['st-2', 'consent_denied', 'consent for "analytics" was not given']]);
    const lastSeen = all.events[1];
    await all.close();
    await onlyU2.close();
    // A reconnect with Last-Event-ID picks up exactly where the reader was.
    const resumed = openStream(`${host.url}/v1/admin/integrations/${id}/delivery-logs/stream`, host.adminToken, lastSeen.id);
    await waitFor(() => resumed.events.length === 1, { what: 'the resumed stream' });
    expect(resumed.events[0].data.message_id).toBe(all.events[2].data.message_id);
    await resumed.close();
  });

  it("one event's path: as received, the Heap request it became, every answer", async () => {
    await install();
    sandbox.addFault({ path: '/api/track', status: 503, count: 1, body: '{"error":"busy"}' });
    await send([{ type: 'track', event: 'Traced', userId: 'u-trace', messageId: 'tr-1', timestamp: '2026-02-25T14:30:00.000Z', properties: { plan: 'pro' } }]);
    await waitFor(async () => (await host.call('GET', `/v1/admin/integrations/${id}/events/tr-1`)).body?.attempts?.length === 2, { what: 'two attempts' });
    const trace = (await host.call('GET', `/v1/admin/integrations/${id}/events/tr-1`)).body;
    expect(trace.event).toEqual({ type: 'track', event: 'Traced', userId: 'u-trace', messageId: 'tr-1', timestamp: '2026-02-25T14:30:00.000Z', properties: { plan: 'pro' } });
    const body = `{"app_id":"${APP_ID}","events":[{"identity":"u-trace","event":"Traced","properties":{"plan":"pro"},"idempotency_key":"tr-1","timestamp":"2026-02-25T14:30:00.000Z"}]}`;
    // Byte for byte what Heap received on the attempt that delivered it.
    const delivered = sandbox.recordedRequests({ path: '/api/track', status: 200 });
    expect(delivered.map((r) => (r as unknown as { raw_body: string }).raw_body)).toEqual([body]);
    // Delivered attempts keep no copy of their requests: they are recomputed under the revision that delivered the event.
    expect(trace).toMatchObject({ calls: [{ method: 'POST', url: `${sandbox.url}/api/track`, body }], calls_source: 'recomputed', calls_revision: 1 });
    expect(trace.attempts.map((a: Record<string, unknown>) => [a.attempt, a.status, a.http_status, a.response, a.revision])).toEqual([
      [1, 'retryable', 503, '{"error":"busy"}', 1],
      [2, 'delivered', 200, '{}', 1],
    ]);
    expect((await host.call('GET', `/v1/admin/integrations/${id}/events/nope`)).status).toBe(404);

    // A later blueprint that would drop the event does not change what the trace says was sent.
    const saved = (await host.call('GET', `/v1/admin/integrations/${id}`)).body.blueprint;
    const dropAll = { version: 2, delivery_mode: 'server_side', defaults: { action: 'drop' }, events: {} };
    expect((await host.call('PATCH', `/v1/admin/integrations/${id}`, { blueprint: dropAll })).status).toBe(200);
    expect((await host.call('GET', `/v1/admin/integrations/${id}/events/tr-1`)).body).toMatchObject({ calls: [{ body }], calls_source: 'recomputed', calls_revision: 1 });
    // Without the revision that delivered it, the trace says why it shows no request.
    await host.store.db.deleteFrom('revisions').where('integration_id', '=', id).where('revision_number', '=', 1).execute();
    expect((await host.call('GET', `/v1/admin/integrations/${id}/events/tr-1`)).body).toMatchObject({
      calls: [],
      calls_source: 'recomputed',
      calls_revision: 1,
      calls_note: 'revision 1, which delivered this event, is no longer stored: its requests cannot be recomputed',
    });

    // An attempt that did not end delivered keeps its requests as sent, with the size of the real request.
    expect((await host.call('PATCH', `/v1/admin/integrations/${id}`, { blueprint: saved })).status).toBe(200);
    sandbox.addFault({ path: '/api/track', status: 400, count: 1, body: '{"error":"bad event"}' });
    await send([{ type: 'track', event: 'Refused', userId: 'u-trace', messageId: 'tr-2', timestamp: '2026-02-25T14:30:00.000Z' }]);
    await waitFor(async () => (await host.call('GET', `/v1/admin/integrations/${id}/events/tr-2`)).body?.attempts?.[0]?.status === 'failed', { what: 'the refused attempt' });
    const refused = (await host.call('GET', `/v1/admin/integrations/${id}/events/tr-2`)).body;
    expect(refused).toMatchObject({ calls_source: 'as_sent', calls_revision: 3 });
    expect(refused.calls).toEqual([
      { method: 'POST', url: `${sandbox.url}/api/track`, body: `{"app_id":"${APP_ID}","events":[{"identity":"u-trace","event":"Refused","properties":{},"idempotency_key":"tr-2","timestamp":"2026-02-25T14:30:00.000Z"}]}`, items: 1 },
    ]);
  });

  it('preview: the exact requests, byte for byte what delivery sends, under the saved or a given blueprint; nothing is sent', async () => {
    await install();
    const events = [
      { type: 'track', event: 'Product Viewed', userId: 'u-1', messageId: 'pv-1', timestamp: '2026-02-25T14:30:00.000Z', properties: { sku: 'A', price: '9.5' } },
      { type: 'identify', userId: 'u-1', anonymousId: 'anon-1', messageId: 'pv-2', timestamp: '2026-02-25T14:30:00.000Z', traits: { plan: 'pro', id: 'x' } },
      { type: 'identify', anonymousId: 'anon-2', messageId: 'pv-3', timestamp: '2026-02-25T14:30:00.000Z', traits: { plan: 'free' } },
      { type: 'track', anonymousId: 'anon-3', messageId: 'pv-4' },
    ];
    const requestsBefore = sandbox.stats().requests; // the install's credentials check
    const preview = (await host.call('POST', `/v1/admin/integrations/${id}/preview`, { events })).body;
    expect(sandbox.stats().requests).toBe(requestsBefore);
    expect(preview.rejected).toEqual([{ index: 3, field: 'events.3.event', reason: 'a track event needs a non-empty event name' }]);
    expect(preview.results.map((r: Record<string, unknown>) => [r.index, r.messageId, r.status, r.code, r.warnings])).toEqual([
      [0, 'pv-1', 'send', undefined, []],
      [1, 'pv-2', 'send', undefined, ['dropped user property "id": Heap does not allow "id" as a user property name']],
      [2, 'pv-3', 'filtered', 'unsupported', []],
    ]);
    await send(events.slice(0, 3));
    await host.delivery.drained();
    const sent = sandbox
      .recordedRequests()
      .filter((r) => r.path !== '/api/public/v0/auth_token') // the install's credentials check
      .map((r) => ({ path: r.path, raw: (r as unknown as { raw_body: string }).raw_body }));
    expect(preview.requests.map((r: { url: string; body: string }) => ({ path: r.url.slice(sandbox.url.length), raw: r.body })).sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path))).toEqual(
      sent.sort((a, b) => a.path.localeCompare(b.path)),
    );

    const dropAll = { version: 2, delivery_mode: 'server_side', defaults: { action: 'drop' }, events: {} };
    const underOther = (await host.call('POST', `/v1/admin/integrations/${id}/preview`, { events: events.slice(0, 1), blueprint: dropAll })).body;
    expect(underOther.requests).toEqual([]);
    expect(underOther.results[0]).toMatchObject({ status: 'filtered', code: 'not_mapped', message: 'the blueprint has no rule for "Product Viewed" and its default action is drop' });
    const bad = await host.call('POST', `/v1/admin/integrations/${id}/preview`, { events: events.slice(0, 1), blueprint: { ...dropAll, options: { properties: { arrays: 'zip' } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual([{ field: 'blueprint.options.properties.arrays', message: 'must be one of "join", "index", "json"' }]);
    expect((await host.call('POST', `/v1/admin/integrations/${id}/preview`, { events: [] })).body.error.fields).toEqual([{ field: 'events', message: 'must hold at least one event' }]);
    // Checked as ingestion checks: a misspelled field is said, an event nested too deep is refused.
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 70; i++) deep = { n: deep };
    const checked = (await host.call('POST', `/v1/admin/integrations/${id}/preview`, {
      events: [
        { type: 'track', event: 'Typo', userId: 'u', messageId: 'pv-typo', propertes: { plan: 'pro' } },
        { type: 'track', event: 'Deep', userId: 'u', messageId: 'pv-deep', properties: deep },
      ],
    })).body;
    expect(checked.results.map((r: Record<string, unknown>) => [r.index, r.warnings])).toEqual([
      [0, ['propertes is not an event field, so nothing reads it; did you mean "properties"? (the event was kept as sent)']],
    ]);
    expect(checked.rejected).toEqual([{ index: 1, field: 'events.1.properties.n.n', reason: 'holds values nested deeper than 64 levels of the event; flatten it or send it as a string' }]);
  });

  it('sample events: the last distinct events the integration received', async () => {
    await install();
    await send(Array.from({ length: 25 }, (_, i) => ({ type: 'track', event: `S${i}`, userId: 'u', messageId: `s-${i}` })));
    await host.delivery.drained();
    const samples = (await host.call('GET', `/v1/admin/integrations/${id}/sample-events`)).body.data;
    expect(samples).toHaveLength(20);
    expect(samples[0]).toMatchObject({ type: 'track', event: 'S24', messageId: 's-24' });
  });

  it('user deletion: drops the waiting events, deletes at Heap, follows the request until Heap says complete', async () => {
    await install();
    // Track and identify for two users reach Heap; then more of user-1 wait in the queue (Heap hangs).
    await send([
      { type: 'identify', userId: 'user-1', anonymousId: 'anon-1', messageId: 'd-1', traits: { plan: 'pro' } },
      { type: 'identify', userId: 'user-2', messageId: 'd-2', traits: { plan: 'free' } },
      { type: 'track', event: 'Seen', userId: 'user-1', messageId: 'd-3' },
      { type: 'track', event: 'Seen', userId: 'user-2', messageId: 'd-4' },
    ]);
    await host.delivery.drained();
    expect(sandbox.userProperties(APP_ID, 'user-1')).toEqual({ plan: 'pro' });
    // A 401 pauses delivery: what arrives next waits in the queue, unclaimed, while the deletion is made.
    sandbox.addFault({ path: '/api/track', status: 401, count: 1 });
    await send([{ type: 'track', event: 'Pausing', userId: 'user-9', messageId: 'd-pause' }]);
    await waitFor(async () => (await host.call('GET', `/v1/admin/integrations/${id}`)).body.delivery.state === 'paused', { what: 'a pause' });
    await send([
      { type: 'track', event: 'Later', userId: 'user-1', messageId: 'd-5' },
      { type: 'track', event: 'Later', anonymousId: 'anon-1', messageId: 'd-6' },
      { type: 'track', event: 'Later', userId: 'user-2', messageId: 'd-7' },
    ]);
    const answer = await host.call('POST', `/v1/admin/integrations/${id}/user-deletions`, { user_ids: ['user-1'], anonymous_ids: ['anon-1'], requested_by: 'dpo@example.com (ticket 42)' });
    expect(answer.status).toBe(202);
    // The answer says where the deletion is when it is read: the background may already have handed it to Heap.
    expect(answer.body).toMatchObject({ status: expect.stringMatching(/^(requested|pending)$/), users: 2, user_ids: 1, anonymous_ids: 1, requested_by: 'dpo@example.com (ticket 42)', completed_at: null });
    const deletionId = answer.body.id;
    await waitFor(async () => (await host.call('GET', `/v1/admin/integrations/${id}/user-deletions/${deletionId}`)).body.status === 'complete', { what: 'a complete deletion' });
    const done = (await host.call('GET', `/v1/admin/integrations/${id}/user-deletions/${deletionId}`)).body;
    expect(done).toMatchObject({ status: 'complete', user_id_list: ['user-1'], anonymous_id_list: ['anon-1'], message: null });
    expect(done.vendor_requests).toEqual([{ request_id: expect.any(String), users: 2, status: 'complete' }]);
    expect((await host.call('POST', `/v1/admin/integrations/${id}/test-connection`)).body).toMatchObject({ ok: true, resumed: true });
    await host.delivery.drained();
    // Gone at Heap; the user's waiting events never went; the other user's did.
    expect(sandbox.userProperties(APP_ID, 'user-1')).toBeUndefined();
    expect(sandbox.userProperties(APP_ID, 'user-2')).toEqual({ plan: 'free' });
    const keys = sandbox.recordedEvents().map((e) => e.idempotency_key);
    expect(keys).not.toContain('d-3');
    expect(keys).not.toContain('d-5');
    expect(keys).not.toContain('d-6');
    expect(keys).toContain('d-7');
    expect(keys).toContain('d-pause');
    const filtered = (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?status=filtered`)).body.data.map((l: Record<string, unknown>) => [l.message_id, l.code]);
    expect(filtered.sort()).toEqual([
      ['d-5', 'user_deleted'],
      ['d-6', 'user_deleted'],
    ]);
    expect(done.events_dropped).toBe(2);
    // The host keeps none of the user's data either: no event, request or id in its logs, samples or traces.
    expect((await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?user=user-1`)).body.data).toEqual([]);
    expect((await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?user=anon-1`)).body.data).toEqual([]);
    const samples = (await host.call('GET', `/v1/admin/integrations/${id}/sample-events`)).body.data.map((e: Record<string, unknown>) => e.messageId);
    expect(samples.sort()).toEqual(['d-2', 'd-4', 'd-7', 'd-pause']);
    const trace = (await host.call('GET', `/v1/admin/integrations/${id}/events/d-3`)).body;
    expect([trace.event, trace.calls, JSON.stringify(trace).includes('user-1')]).toEqual([null, [], false]);
    const logs = JSON.stringify((await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs`)).body);
    expect([logs.includes('user-1'), logs.includes('anon-1'), logs.includes('user-2')]).toEqual([false, false, true]);
    const list = (await host.call('GET', `/v1/admin/integrations/${id}/user-deletions`)).body;
    expect(list.data.map((d: Record<string, unknown>) => [d.id, d.status, d.user_id_list])).toEqual([[deletionId, 'complete', undefined]]);
    expect(JSON.stringify(list)).not.toContain(API_KEY);
  });

  it('user deletion while an event of the user waits for its retry: it is never sent, and no log shows the user', async () => {
    // The retry comes 5 s after the first failure: the deletion is requested well before it.
    const patient = await startTestHost({ retry: new RetryPolicy([5_000, 600_000], () => 0.5) }, { engine });
    try {
      const id = (await patient.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;
      sandbox.addFault({ path: '/api/track', idempotency_key: 'gone-1', status: 503, body: '{"error":"busy"}' });
      await send([{ type: 'track', event: 'Later', userId: 'user-gone', anonymousId: 'anon-gone', messageId: 'gone-1' }], patient);
      const logsOf = async () => (await patient.call('GET', `/v1/admin/integrations/${id}/delivery-logs`)).body.data as Record<string, unknown>[];
      await waitFor(async () => (await logsOf()).some((l) => l.message_id === 'gone-1' && l.status === 'retryable'), { what: 'the first, refused attempt' });
      expect((await patient.call('POST', `/v1/admin/integrations/${id}/user-deletions`, { user_ids: ['user-gone'] })).status).toBe(202);
      await patient.delivery.drained();
      expect((await logsOf()).map((l) => [l.message_id, l.status, l.code])).toEqual([
        ['gone-1', 'filtered', 'user_deleted'],
        ['gone-1', 'retryable', 'server_error'],
      ]);
      const logs = JSON.stringify(await logsOf());
      expect([logs.includes('user-gone'), logs.includes('anon-gone')]).toEqual([false, false]);
      expect(sandbox.recordedEvents().map((e) => e.idempotency_key)).not.toContain('gone-1');
    } finally {
      await patient.cleanup();
    }
  });

  it('user deletion while an event of the user is in flight: the log its answer writes afterwards does not show the user either', async () => {
    const id = await install();
    // Heap holds this one request for 3 s: the deletion is requested while it is in flight.
    sandbox.addFault({ path: '/api/track', idempotency_key: 'flying-1', latency_ms: 3_000 });
    await send([{ type: 'track', event: 'Later', userId: 'user-flying', messageId: 'flying-1' }]);
    await waitFor(async () => (await host.store.queue.depth(id)).some((r) => r.state === 'inflight'), { what: 'the event in flight' });
    expect((await host.call('POST', `/v1/admin/integrations/${id}/user-deletions`, { user_ids: ['user-flying'] })).status).toBe(202);
    await host.delivery.drained();
    const logs = (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs`)).body.data as Record<string, unknown>[];
    expect(logs.map((l) => [l.message_id, l.status, l.user_id ?? null])).toEqual([['flying-1', 'delivered', null]]);
    expect(JSON.stringify(logs)).not.toContain('user-flying');
    const trace = (await host.call('GET', `/v1/admin/integrations/${id}/events/flying-1`)).body;
    expect([trace.event, JSON.stringify(trace).includes('user-flying')]).toEqual([null, false]);
  });

  it('user deletion: bad requests name the field; a wrong API key fails it with the credentials message', async () => {
    await install();
    const bad = async (body: unknown) => (await host.call('POST', `/v1/admin/integrations/${id}/user-deletions`, body)).body.error;
    expect(await bad({})).toMatchObject({ fields: [{ field: 'user_ids', message: 'names no user, nor does anonymous_ids: give at least one id in either' }] });
    expect(await bad({ user_ids: [] })).toMatchObject({ fields: [{ field: 'user_ids', message: 'names no user, nor does anonymous_ids: give at least one id in either' }] });
    expect(await bad({ user_ids: ['u', 7] })).toMatchObject({ fields: [{ field: 'user_ids.1', message: 'must be a string (send numeric ids as strings)' }] });
    expect(await bad({ user_ids: Array.from({ length: 100_001 }, (_, i) => `u${i}`) })).toMatchObject({ fields: [{ field: 'user_ids', message: 'must hold at most 100,000 ids per request' }] });
    expect(await bad({ user_id: ['u'] })).toMatchObject({ fields: [{ field: 'user_id', message: 'is not a known field; did you mean "user_ids"?' }, expect.anything()] });
    // `identities`, the field's former name, is taken with the same checks, named as sent; never beside user_ids.
    expect(await bad({ identities: ['u', 7] })).toMatchObject({ fields: [{ field: 'identities.1', message: 'must be a string (send numeric ids as strings)' }] });
    expect(await bad({ identities: ['null'] })).toMatchObject({ fields: [{ field: 'identities.0', message: expect.stringContaining('is a placeholder for no user') }] });
    expect(await bad({ user_ids: ['a'], identities: ['b'] })).toEqual({
      code: 'invalid_request',
      message: 'The deletion request is invalid: identities is the deprecated name of user_ids: give the ids in user_ids alone; nothing was deleted',
      fields: [{ field: 'identities', message: 'is the deprecated name of user_ids: give the ids in user_ids alone' }],
    });
    expect((await host.call('GET', `/v1/admin/integrations/${id}/user-deletions`)).body.data).toEqual([]);

    await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { api_key: 'not-the-key' } });
    const answer = await host.call('POST', `/v1/admin/integrations/${id}/user-deletions`, { identities: ['someone'] });
    // The deprecated name still works, and the answer speaks the new one.
    expect([answer.status, answer.body.user_ids, answer.body.identities]).toEqual([202, 1, undefined]);
    await waitFor(async () => (await host.call('GET', `/v1/admin/integrations/${id}/user-deletions/${answer.body.id}`)).body.status === 'failed', { what: 'a failed deletion' });
    const failed = (await host.call('GET', `/v1/admin/integrations/${id}/user-deletions/${answer.body.id}`)).body;
    expect(failed.message).toBe(`1 of 1 users were not accepted: Invalid App ID or API key: Heap answered 401 for app ${APP_ID}. Verify the App ID and API key match the correct environment in Heap settings.`);
  });
});
