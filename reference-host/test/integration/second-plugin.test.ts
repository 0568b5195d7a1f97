import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { waitFor } from '../helpers/conditions.js';
import { API_KEY, APP_ID, startCaptureServer, startSandbox, TS } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { webhookAdapters, webhookModule } from '../helpers/webhook-plugin.js';

const SECRET = 'whsec_second_plugin_4d1e';

/**
 * The host with a second plugin loaded beside Heap through the same container: the contract carries
 * another vendor with no line of the host knowing it.
 */
describe.each(ENGINES)('a second plugin beside Heap on %s', (engine: EngineName) => {
  let sandbox: HeapSandbox;
  let receiver: Awaited<ReturnType<typeof startCaptureServer>>;
  let host: TestHost;
  let heapId: string;
  let webhookId: string;
  /** What the webhook received with events (the connection test's HEAD aside). */
  const calls = () => receiver.captured.filter((r) => r.method !== 'HEAD');

  beforeAll(async () => {
    sandbox = await startSandbox();
    receiver = await startCaptureServer({ status: 204, body: '' });
    host = await startTestHost({ rateLimits: false }, { engine, modules: [webhookModule] });
  });
  afterAll(async () => {
    await host?.cleanup();
    await receiver?.stop();
    await sandbox?.stop();
  });

  it('lists both plugins in the catalog, each with its own config schema', async () => {
    const catalog = (await host.call('GET', '/v1/admin/integration-catalog')).body.data.map((c: { key: string; category: string }) => [c.key, c.category]);
    expect(catalog).toEqual([
      ['heap', 'analytics'],
      ['webhook', 'other'],
    ]);
    expect((await host.call('GET', '/v1/admin/integration-catalog?category=other')).body.data.map((c: { key: string }) => c.key)).toEqual(['webhook']);
    const card = (await host.call('GET', '/v1/admin/integration-catalog/webhook')).body;
    expect(card.config_schema.required).toEqual(['url', 'secret']);
    expect(card.default_blueprints.default).toMatchObject({ version: 2, integration: 'webhook', defaults: { action: 'passthrough' }, events: { 'Order Completed': { vendor_event_name: 'order.completed' } } });
  });

  it('installs the webhook with its secret masked in every answer; a near miss and a bad URL are named', async () => {
    const typo = await host.call('POST', '/v1/admin/integration-catalog/webhook/install', { config: { url: `${receiver.url}/hook`, secrit: SECRET } });
    expect(typo.status).toBe(400);
    expect(typo.body.error.fields).toEqual([{ field: 'config.secrit', message: 'is not a known field; did you mean "secret"?' }]);
    const badUrl = await host.call('POST', '/v1/admin/integration-catalog/webhook/install', { config: { url: 'not a url', secret: SECRET } });
    expect(badUrl.body.error).toEqual({ code: 'invalid_request', message: 'The Webhook config is invalid: config.url must be an http(s) URL', fields: [{ field: 'config.url', message: 'must be an http(s) URL' }] });

    const installed = await host.call('POST', '/v1/admin/integration-catalog/webhook/install', { name: 'Orders hook', config: { url: `${receiver.url}/hook`, secret: SECRET } });
    expect(installed.status).toBe(201);
    expect(installed.body).toMatchObject({ catalog_key: 'webhook', name: 'Orders hook', config: { url: `${receiver.url}/hook`, secret: '********' }, delivery: { state: 'running' } });
    webhookId = installed.body.id;
    heapId = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id;

    const answers = [installed.text, (await host.call('GET', `/v1/admin/integrations/${webhookId}`)).text, (await host.call('GET', '/v1/admin/integrations')).text, (await host.call('GET', `/v1/admin/integrations/${webhookId}/revisions`)).text];
    for (const text of answers) expect(text).not.toContain(SECRET);
    expect(JSON.stringify(await host.store.integrations.get(webhookId))).not.toContain(SECRET);
    expect((await host.call('POST', `/v1/admin/integrations/${webhookId}/test-connection`)).body).toEqual({ ok: true, http_status: 204, message: 'the webhook answered 204', resumed: false });
    // One check at install, one asked for.
    expect(receiver.captured.map((r) => [r.method, r.url])).toEqual([
      ['HEAD', '/hook'],
      ['HEAD', '/hook'],
    ]);
  });

  it('delivers every ingested event to both integrations, each mapped by its own blueprint with the contract’s kit: exact bodies at the webhook, delivery logs per integration', async () => {
    const events = [
      { type: 'track', event: 'Order Completed', userId: 'user-1', messageId: 'two-1', timestamp: TS, properties: { order_id: 50314, revenue: '42.50' } },
      { type: 'page', anonymousId: 'anon-1', messageId: 'two-2', timestamp: TS, context: { page: { url: 'https://shop.example/' } } },
      { type: 'identify', userId: 'user-1', messageId: 'two-3', timestamp: TS, traits: { plan: 'pro' } },
    ];
    const answer = await host.call('POST', '/v1/batch', { batch: events }, host.pipelineKey);
    expect(answer.body).toMatchObject({ accepted: 3, rejected: [], queued_for_integrations: 2 });
    await waitFor(() => calls().length === 3, { what: 'three webhook calls' });
    await host.delivery.drained();

    // The webhook's blueprint: ids and time, the event's objects; Order Completed renamed, with its
    // order_id as a string, revenue as a number and a summary from a template.
    const bodies = [
      { event: 'order.completed', messageId: 'two-1', type: 'track', userId: 'user-1', timestamp: TS, order_id: '50314', revenue: 42.5, summary: 'Order 50314 for 42.50' },
      { event: 'page', messageId: 'two-2', type: 'page', anonymousId: 'anon-1', timestamp: TS, context: { page: { url: 'https://shop.example/' } } },
      { event: 'identify', messageId: 'two-3', type: 'identify', userId: 'user-1', timestamp: TS, traits: { plan: 'pro' } },
    ].map((b) => JSON.stringify(b));
    const sent = calls().map((r) => [r.method, r.url, r.headers['content-type'], r.headers['x-webhook-signature'], r.body]).sort((a, b) => String(a[4]).localeCompare(String(b[4])));
    const expected = bodies.map((body) => ['POST', '/hook', 'application/json', createHmac('sha256', SECRET).update(body).digest('hex'), body]);
    expect(sent).toEqual(expected.sort((a, b) => a[4].localeCompare(b[4])));
    expect(receiver.captured.filter((r) => JSON.stringify(r).includes(SECRET))).toEqual([]);
    expect(sandbox.recordedEvents().map((e) => e.idempotency_key).sort()).toEqual(['two-1', 'two-2']);
    expect(sandbox.recordedEvents().find((e) => e.idempotency_key === 'two-1')?.properties).toEqual({ order_id: '50314', revenue: 42.5 });
    expect(sandbox.userProperties(APP_ID, 'user-1')).toEqual({ plan: 'pro' });

    const logs = async (id: string) => (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs`)).body.data.map((l: Record<string, unknown>) => [l.integration_id, l.message_id, l.status, l.http_status]).sort();
    expect(await logs(webhookId)).toEqual(['two-1', 'two-2', 'two-3'].map((m) => [webhookId, m, 'delivered', 204]));
    expect(await logs(heapId)).toEqual(['two-1', 'two-2', 'two-3'].map((m) => [heapId, m, 'delivered', 200]));
    const trace = (await host.call('GET', `/v1/admin/integrations/${webhookId}/events/two-1`)).body;
    // Delivered: recomputed by the webhook plugin under the revision that sent it, byte for byte what arrived.
    expect(trace).toMatchObject({ calls: [{ method: 'POST', url: `${receiver.url}/hook`, body: bodies[0] }], calls_source: 'recomputed', calls_revision: 1 });
    expect(host.logLines.join('')).not.toContain(SECRET);
  });

  it('maps with the blueprint an operator saves: a template, a transform that cannot apply said as a warning, a dropped event filtered', async () => {
    const blueprint = {
      version: 2,
      delivery_mode: 'server_side',
      parameters: { shop: 'emea' },
      global: { mappings: [{ source: 'messageId', target: 'id' }, { source: 'parameters.shop', target: 'shop' }] },
      defaults: { action: 'drop' },
      events: { 'Refund Issued': { vendor_event_name: 'refund', mappings: [{ template: 'Refund of {{properties.amount}} on {{properties.order_id}}', target: 'note' }, { source: 'properties.amount', target: 'amount', transform: 'to_number' }] } },
    };
    expect((await host.call('PATCH', `/v1/admin/integrations/${webhookId}`, { blueprint })).status).toBe(200);
    const preview = await host.call('POST', `/v1/admin/integrations/${webhookId}/preview`, {
      events: [
        { type: 'track', event: 'Refund Issued', userId: 'user-1', messageId: 'map-1', timestamp: TS, properties: { amount: 'ten', order_id: 'o-9' } },
        { type: 'track', event: 'Not Listed', userId: 'user-1', messageId: 'map-2', timestamp: TS },
      ],
    });
    expect(preview.status).toBe(200);
    expect(preview.body.requests.map((r: { body: string }) => JSON.parse(r.body))).toEqual([{ event: 'refund', id: 'map-1', shop: 'emea', note: 'Refund of ten on o-9' }]);
    expect(preview.body.results.map((r: Record<string, unknown>) => [r.messageId, r.status, r.message ?? r.warnings])).toEqual([
      ['map-1', 'send', ['mapping properties.amount → amount: "ten" is not a number; this mapping set nothing ("amount" is not sent unless a later mapping sets it)']],
      ['map-2', 'filtered', 'the blueprint has no rule for "Not Listed" and its default action is drop'],
    ]);
    await host.call('POST', '/v1/t', { event: 'Refund Issued', userId: 'user-1', messageId: 'map-3', timestamp: TS, properties: { amount: 10, order_id: 'o-9' } }, host.pipelineKey);
    await waitFor(() => calls().some((r) => r.body.includes('map-3')), { what: 'the mapped refund at the webhook' });
    expect(JSON.parse(calls().find((r) => r.body.includes('map-3'))!.body)).toEqual({ event: 'refund', id: 'map-3', shop: 'emea', note: 'Refund of 10 on o-9', amount: 10 });
  });

  it('refuses a blueprint with bad webhook options at PATCH, naming blueprint.options.…, with no adapter built', async () => {
    const built = webhookAdapters.built;
    const before = (await host.call('GET', `/v1/admin/integrations/${webhookId}`)).body;
    const answer = await host.call('PATCH', `/v1/admin/integrations/${webhookId}`, {
      blueprint: { version: 2, delivery_mode: 'server_side', defaults: { action: 'passthrough' }, options: { method: 'GET', signature_header: '' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({
      code: 'invalid_request',
      message: 'The blueprint is invalid: blueprint.options.method must be one of "POST", "PUT"; blueprint.options.signature_header must not be empty',
      fields: [
        { field: 'blueprint.options.method', message: 'must be one of "POST", "PUT"' },
        { field: 'blueprint.options.signature_header', message: 'must not be empty' },
      ],
    });
    expect(webhookAdapters.built).toBe(built);
    expect((await host.call('GET', `/v1/admin/integrations/${webhookId}`)).body).toEqual(before);

    // Good options are taken and used by the next adapter.
    const put = await host.call('PATCH', `/v1/admin/integrations/${webhookId}`, { blueprint: { version: 2, delivery_mode: 'server_side', defaults: { action: 'passthrough' }, options: { method: 'PUT' } } });
    expect(put.status).toBe(200);
    await host.call('POST', '/v1/t', { event: 'After Edit', userId: 'user-1', messageId: 'two-4', timestamp: TS }, host.pipelineKey);
    await waitFor(() => calls().some((r) => r.method === 'PUT'), { what: 'the PUT webhook call' });
    expect(calls().filter((r) => r.method === 'PUT')).toMatchObject([{ method: 'PUT', url: '/hook', body: '{"event":"After Edit"}' }]);
  });

  it('keeps a failing webhook to itself: its refused events are dead-lettered, the others deliver', async () => {
    const refusing = await startCaptureServer({ status: 422, body: '{"error":"no thanks"}' });
    try {
      const id = (await host.call('POST', '/v1/admin/integration-catalog/webhook/install', { config: { url: refusing.url, secret: SECRET } })).body.id;
      await host.call('POST', '/v1/t', { event: 'Refused', userId: 'user-2', messageId: 'two-5', timestamp: TS }, host.pipelineKey);
      await waitFor(async () => (await host.queued(id)).dead === 1, { what: 'a dead letter' });
      expect((await host.call('GET', `/v1/admin/integrations/${id}/dead-letters`)).body.data.map((d: Record<string, unknown>) => [d.message_id, d.code, d.http_status, d.reason])).toEqual([
        ['two-5', 'rejected', 422, 'the webhook answered 422'],
      ]);
      // The first webhook's blueprint (saved above) has no mappings: the event's name alone.
      await waitFor(() => calls().some((r) => r.body === '{"event":"Refused"}') && sandbox.recordedEvents().some((e) => e.idempotency_key === 'two-5'), { what: 'the others delivered' });
      expect(JSON.parse(refusing.captured.find((r) => r.method === 'POST')!.body)).toMatchObject({ event: 'Refused', messageId: 'two-5', userId: 'user-2' });
      expect(await host.queued(heapId)).toEqual({ waiting: 0, dead: 0 });
      expect(await host.queued(webhookId)).toEqual({ waiting: 0, dead: 0 });
    } finally {
      await refusing.stop();
    }
  });
});
