import { describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UNSAFE_ID_MESSAGE } from '@datafly/heap-integration/contract';
import { routesOf } from '../../src/host/http/route-table.js';
import { NOT_UTF8_REASON } from '../../src/common/utf8.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { waitFor } from '../helpers/conditions.js';
import { API_KEY, APP_ID, TS } from '../helpers/heap.js';
import type { TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';

/**
 * Bad input at every door of the host, over real HTTP: each refusal names the field and what to do,
 * nothing half-happens, and the answers say what really happened to the events.
 */
describe.each(ENGINES)('bad input on %s', (engine: EngineName) => {
  let sandbox: HeapSandbox;
  let host: TestHost;

  hostOverSandbox(engine, {}, (started) => ({ host, sandbox } = started));

  const INSTALL = '/v1/admin/integration-catalog/heap/install';
  const install = async (config: Record<string, unknown> = {}) => {
    const answer = await host.call('POST', INSTALL, { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url, ...config } });
    expect(answer.status).toBe(201);
    return answer.body.id as string;
  };
  const ingest = (path: string, body: unknown) => host.call('POST', path, body, host.pipelineKey);
  const track = (messageId: string, over: Record<string, unknown> = {}) => ({ type: 'track', event: 'Checked', userId: 'u-1', messageId, timestamp: TS, ...over });

  describe('install and edit', () => {
    it('refuses an unknown config key on install, naming it and the field it probably meant; nothing is installed', async () => {
      const answer = await host.call('POST', INSTALL, { config: { app_id: APP_ID, api_key: API_KEY, regoin: 'eu' } });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: {
          code: 'invalid_request',
          message: 'The Heap config is invalid: config.regoin is not a known field; did you mean "region"?',
          fields: [{ field: 'config.regoin', message: 'is not a known field; did you mean "region"?' }],
        },
      });
      const unknownTop = await host.call('POST', INSTALL, { variantt: 'default', config: { app_id: APP_ID, api_key: API_KEY } });
      expect(unknownTop.status).toBe(400);
      expect(unknownTop.body).toEqual({
        error: {
          code: 'invalid_request',
          message: 'The request body is invalid: variantt is not a known field; did you mean "variant"?',
          fields: [{ field: 'variantt', message: 'is not a known field; did you mean "variant"?' }],
        },
      });
      // Bytes that are not UTF-8 in a config would be stored as U+FFFD, a key Heap then refuses for a reason no one can see.
      const garbledKey = Buffer.concat([Buffer.from(`{"config": {"app_id": "${APP_ID}", "api_key": "${API_KEY}`), Buffer.from([0xc3]), Buffer.from('"}}')]);
      const notUtf8 = await host.call('POST', INSTALL, garbledKey);
      expect(notUtf8.status).toBe(400);
      expect(notUtf8.body.error).toEqual({
        code: 'invalid_request',
        message: `body.config.api_key: ${NOT_UTF8_REASON}; nothing was changed`,
        fields: [{ field: 'body.config.api_key', message: NOT_UTF8_REASON }],
      });
      expect(JSON.stringify(notUtf8.body)).not.toContain(API_KEY);
      const far = await host.call('POST', INSTALL, { config: { app_id: APP_ID, api_key: API_KEY, colour: 'blue' } });
      expect(far.body.error.fields).toEqual([{ field: 'config.colour', message: 'is not a known field (known: app_id, api_key, region, endpoint, timeout_ms)' }]);
      expect((await host.call('GET', '/v1/admin/integrations')).body.data).toEqual([]);
      expect(await host.store.integrations.list()).toEqual([]);
    });

    it('refuses an unknown key on PATCH the same way; the integration and its revisions are unchanged', async () => {
      const id = await install();
      const before = (await host.call('GET', `/v1/admin/integrations/${id}`)).body;
      const config = await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { regoin: 'eu' } });
      expect(config.status).toBe(400);
      expect(config.body).toEqual({
        error: {
          code: 'invalid_request',
          message: 'The Heap config is invalid: config.regoin is not a known field; did you mean "region"?',
          fields: [{ field: 'config.regoin', message: 'is not a known field; did you mean "region"?' }],
        },
      });
      const top = await host.call('PATCH', `/v1/admin/integrations/${id}`, { enabeld: false, name: 'Renamed' });
      expect(top.status).toBe(400);
      expect(top.body.error).toEqual({
        code: 'invalid_request',
        message: 'The request body is invalid: enabeld is not a known field; did you mean "enabled"?',
        fields: [{ field: 'enabeld', message: 'is not a known field; did you mean "enabled"?' }],
      });
      expect((await host.call('GET', `/v1/admin/integrations/${id}`)).body).toEqual(before);
      expect((await host.call('GET', `/v1/admin/integrations/${id}/revisions`)).body.data.map((r: { revision_number: number }) => r.revision_number)).toEqual([1]);
    });
  });

  describe('ingestion answers the truth', () => {
    const NO_TARGET = 'No integration is installed: the events were validated but not queued for any destination';
    const ALL_DISABLED = 'Every integration is disabled (1): the events were validated but not queued for any destination';
    const noTargetLogs = () => host.logLines.filter((l) => l.includes('"msg":"events arrive but nothing takes them"')).length;

    it('with no integration, and with every integration disabled, a valid batch answers 200, queued for 0, with a warning logged once', async () => {
      const logged = noTargetLogs();
      for (const n of [1, 2, 3]) {
        const answer = await ingest('/v1/batch', { batch: [track(`none-${n}`)] });
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ accepted: 1, rejected: [], duplicates: [], events: [{ index: 0, messageId: `none-${n}` }], queued_for_integrations: 0, warning: NO_TARGET });
      }
      const id = await install();
      expect((await host.call('PATCH', `/v1/admin/integrations/${id}`, { enabled: false })).status).toBe(200);
      for (const n of [4, 5]) {
        const answer = await ingest('/v1/t', track(`disabled-${n}`));
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({
          accepted: 1,
          rejected: [],
          duplicates: [],
          events: [{ index: 0, messageId: `disabled-${n}` }],
          queued_for_integrations: 0,
          disabled_integrations: 1,
          warning: ALL_DISABLED,
        });
      }
      expect(noTargetLogs() - logged).toBe(1);
      expect(await host.queued()).toEqual({ waiting: 0, dead: 0 });
    });

    it('an all-invalid batch answers 400 and queued for 0', async () => {
      await install();
      const answer = await ingest('/v1/batch', { batch: [{ type: 'track', userId: 'u' }, { type: 'alias', userId: 'u' }] });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: {
          code: 'invalid_events',
          message: 'No event in the request was valid; see rejected',
          fields: [
            { field: 'batch.0.event', message: 'a track event needs a non-empty event name' },
            { field: 'batch.1.type', message: 'must be one of track, page, screen, identify, group' },
          ],
        },
        accepted: 0,
        rejected: [
          { index: 0, field: 'batch.0.event', reason: 'a track event needs a non-empty event name' },
          { index: 1, field: 'batch.1.type', reason: 'must be one of track, page, screen, identify, group' },
        ],
        duplicates: [],
        events: [],
        queued_for_integrations: 0,
      });
    });

    it('/v1/t|p|i|g name fields as sent; a group without groupId is refused naming groupId', async () => {
      await install();
      const t = await ingest('/v1/t', { userId: 'u' });
      expect(t.status).toBe(400);
      expect(t.body.rejected).toEqual([{ index: 0, field: 'event', reason: 'a track event needs a non-empty event name' }]);
      const p = await ingest('/v1/p', { userId: 'u', timestamp: 'yesterday' });
      expect(p.body.rejected).toEqual([{ index: 0, field: 'timestamp', reason: 'must be an ISO 8601 date-time, e.g. 2026-02-25T14:30:00.000Z' }]);
      const i = await ingest('/v1/i', { traits: { plan: 'pro' } });
      expect(i.body.rejected).toEqual([{ index: 0, field: 'anonymousId', reason: 'an event needs a userId or an anonymousId' }]);
      const g = await ingest('/v1/g', { userId: 'u', traits: { name: 'Acme' } });
      expect(g.status).toBe(400);
      expect(g.body.rejected).toEqual([{ index: 0, field: 'groupId', reason: 'a group event needs a groupId (the account it describes)' }]);
      const inBatch = await ingest('/v1/batch', { batch: [{ type: 'group', userId: 'u' }] });
      expect(inBatch.body.rejected).toEqual([{ index: 0, field: 'batch.0.groupId', reason: 'a group event needs a groupId (the account it describes)' }]);
      expect(await host.queued()).toEqual({ waiting: 0, dead: 0 });
    });

    it('names a misspelled top-level field (nothing reads it) and keeps the event as sent; spec fields and a key of its own pass quietly', async () => {
      await install();
      const said = (meant: string) => `is not an event field, so nothing reads it; did you mean "${meant}"? (the event was kept as sent)`;
      const t = await ingest('/v1/t', { event: 'Typo', anonymousId: 'a9', propertes: { plan: 'pro' }, messageId: 'typo-1', channel: 'server', shop_region: 'emea' });
      expect(t.status).toBe(200);
      expect(t.body).toMatchObject({ accepted: 1, unread_fields: [{ index: 0, field: 'propertes', reason: said('properties') }] });
      const batch = await ingest('/v1/batch', {
        batch: [
          { type: 'identify', userID: 'u-1', trait: { plan: 'pro' }, anonymousId: 'a-1', messageId: 'typo-2' },
          { type: 'track', event: 'Fine', userId: 'u-1', messageId: 'typo-3', sentAt: '2026-02-25T14:30:00.000Z' },
        ],
      });
      expect(batch.body.unread_fields).toEqual([
        { index: 0, field: 'batch.0.userID', reason: said('userId') },
        { index: 0, field: 'batch.0.trait', reason: said('traits') },
      ]);
      const clean = await ingest('/v1/t', { event: 'Clean', userId: 'u', messageId: 'typo-4' });
      expect(clean.body.unread_fields).toBeUndefined();
      await waitFor(() => sandbox.recordedEvents().some((e) => e.idempotency_key === 'typo-1'), { what: 'typo-1 at Heap' });
      expect(sandbox.recordedEvents().find((e) => e.idempotency_key === 'typo-1')!.properties).toEqual({});
    });

    it('refuses a userId past 2^53 sent as a JSON number, naming batch.0.userId and saying to send a string; its neighbour is accepted', async () => {
      await install();
      const raw = `{"batch": [{"type": "track", "event": "Big Id", "userId": 12345678901234567890, "messageId": "big-id"}, {"type": "track", "event": "Big Id", "userId": "12345678901234567890", "messageId": "string-id"}]}`;
      const answer = await ingest('/v1/batch', raw);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        accepted: 1,
        rejected: [{ index: 0, field: 'batch.0.userId', reason: UNSAFE_ID_MESSAGE }],
        events: [{ index: 1, messageId: 'string-id' }],
        queued_for_integrations: 1,
      });
      expect(UNSAFE_ID_MESSAGE).toMatch(/send the id as a string$/);
      await waitFor(() => sandbox.recordedEvents().length === 1, { what: 'one event at Heap' });
      expect(sandbox.recordedEvents()[0]).toMatchObject({ identity: '12345678901234567890', idempotency_key: 'string-id' });
    });

    it('queues a messageId repeated in one batch once and lists the repeat; one queued by an earlier request is a duplicate too', async () => {
      await install();
      // Heap answers slowly, so the first request's events are still queued (or in flight) when the second arrives.
      sandbox.addFault({ path: '/api/track', latency_ms: 1500 });
      const first = await ingest('/v1/batch', { batch: [track('dup-a'), track('dup-b'), track('dup-a')] });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        accepted: 2,
        rejected: [],
        duplicates: [{ index: 2, messageId: 'dup-a', reason: 'repeats the messageId of item 0 of this request; queued once' }],
        events: [
          { index: 0, messageId: 'dup-a' },
          { index: 1, messageId: 'dup-b' },
        ],
        queued_for_integrations: 1,
      });
      const second = await ingest('/v1/batch', { batch: [track('dup-c'), track('dup-b')] });
      expect(second.body).toEqual({
        accepted: 2,
        rejected: [],
        duplicates: [{ index: 1, messageId: 'dup-b', reason: 'already queued by an earlier request; queued once' }],
        events: [
          { index: 0, messageId: 'dup-c' },
          { index: 1, messageId: 'dup-b' },
        ],
        queued_for_integrations: 1,
      });
      await waitFor(async () => (await host.queued()).waiting === 0, { what: 'an empty queue' });
      expect(sandbox.recordedEvents().map((e) => e.idempotency_key).sort()).toEqual(['dup-a', 'dup-b', 'dup-c']);
    });

    it.each([70, 5000])('refuses an event nested %i levels deep alone, naming the field; its neighbours are accepted', async (levels) => {
      await install();
      // Written as text: the depth is the sender's, not something a client library could refuse first.
      const properties = `${'{"n": '.repeat(levels - 2)}"leaf"${'}'.repeat(levels - 2)}`;
      const deep = `{"type": "track", "event": "Deep", "userId": "u", "messageId": "deep-${levels}", "properties": ${properties}}`;
      const raw = `{"batch": [${JSON.stringify(track(`before-${levels}`))}, ${deep}, ${JSON.stringify(track(`after-${levels}`))}]}`;
      const answer = await ingest('/v1/batch', raw);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        accepted: 2,
        rejected: [{ index: 1, field: 'batch.1.properties.n.n', reason: 'holds values nested deeper than 64 levels of the event; flatten it or send it as a string' }],
        events: [
          { index: 0, messageId: `before-${levels}` },
          { index: 2, messageId: `after-${levels}` },
        ],
        queued_for_integrations: 1,
      });
      const single = await ingest('/v1/t', deep);
      expect(single.status).toBe(400);
      expect(single.body.rejected).toEqual([{ index: 0, field: 'properties.n.n', reason: 'holds values nested deeper than 64 levels of the event; flatten it or send it as a string' }]);
    });

    it('refuses an event holding bytes that are not UTF-8, naming the field; its neighbours are accepted, and ids that differ only there are not merged', async () => {
      await install();
      // Sent as bytes: "user\xc3" and "user\xc4" would both decode to "user\uFFFD", one identity at Heap.
      const bytes = (...parts: (string | number | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p))));
      const garbled = (messageId: string, byte: number) => bytes(`{"type": "track", "event": "Checked", "messageId": "${messageId}", "userId": "user`, byte, '"}');
      const body = bytes('{"batch": [', JSON.stringify(track('utf8-ok-1')), ', ', garbled('utf8-bad-1', 0xc3), ', ', garbled('utf8-bad-2', 0xc4), ', ', JSON.stringify(track('utf8-ok-2', { properties: { city: 'Zürich' } })), ']}');
      const answer = await ingest('/v1/batch', body);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        accepted: 2,
        rejected: [
          { index: 1, field: 'batch.1.userId', reason: NOT_UTF8_REASON },
          { index: 2, field: 'batch.2.userId', reason: NOT_UTF8_REASON },
        ],
        events: [
          { index: 0, messageId: 'utf8-ok-1' },
          { index: 3, messageId: 'utf8-ok-2' },
        ],
      });
      const single = await ingest('/v1/t', bytes('{"event": "Checked", "userId": "u-2", "messageId": "utf8-bad-3", "properties": {"plan": "pro", "na', 0xe9, 'me": "Jos', 0xe9, '"}}'));
      expect(single.status).toBe(400);
      expect(single.body.rejected).toEqual([{ index: 0, field: 'properties.na\uFFFDme', reason: NOT_UTF8_REASON }]);
      expect(NOT_UTF8_REASON).toMatch(/not UTF-8.*send the text as UTF-8$/);
      await waitFor(() => sandbox.recordedEvents().length === 2, { what: 'two events at Heap' });
      expect(sandbox.recordedEvents().map((e) => [e.idempotency_key, e.identity, e.properties?.city])).toEqual([
        ['utf8-ok-1', 'u-1', undefined],
        ['utf8-ok-2', 'u-1', 'Zürich'],
      ]);
    });
  });

  describe('dead-letter replay', () => {
    /** Three events Heap refuses for good (400), so they wait in the dead letters. */
    const deadLetters = async () => {
      const id = await install();
      sandbox.addFault({ path: '/api/track', idempotency_keys: ['a', 'b', 'c'], status: 400, body: '{"error":"refused"}' });
      await ingest('/v1/batch', { batch: ['a', 'b', 'c'].map((m) => track(m)) });
      await waitFor(async () => (await host.queued(id)).dead === 3, { what: 'three dead letters' });
      return id;
    };
    const listed = async (id: string) => (await host.call('GET', `/v1/admin/integrations/${id}/dead-letters`)).body.data.map((d: { message_id: string }) => d.message_id).sort();
    const replay = (id: string, body?: unknown) => host.call('POST', `/v1/admin/integrations/${id}/dead-letters/replay`, body);

    it('refuses a typo, a string or an empty list with 400 and replays nothing', async () => {
      const id = await deadLetters();
      const refusal = {
        error: {
          code: 'invalid_request',
          message: 'The replay request must be {"message_ids": ["…"]} (1 to 10000 messageIds) or {"all": true}; nothing was replayed',
          fields: [{ field: 'message_ids', message: 'must be a non-empty array of messageIds, or send {"all": true}' }],
        },
      };
      for (const body of [{ mesage_ids: ['a'] }, '"a"', { message_ids: [] }, { message_ids: 'a' }, { all: false }, { all: true, message_ids: ['a'] }, 'null', '[]']) {
        const answer = await replay(id, body);
        expect([body, answer.status, answer.body]).toEqual([body, 400, refusal]);
      }
      expect(await listed(id)).toEqual(['a', 'b', 'c']);
      expect(await host.queued(id)).toEqual({ waiting: 0, dead: 3 });
    });

    it('replays the listed message_ids, then {"all": true}, then all again with no body', async () => {
      const id = await deadLetters();
      sandbox.clearFaults();
      sandbox.addFault({ path: '/api/track', idempotency_keys: ['b', 'c'], status: 400, body: '{"error":"refused"}' });
      const some = await replay(id, { message_ids: ['a', 'zz'] });
      expect(some).toMatchObject({ status: 200, body: { replayed: 1 } });
      await waitFor(() => sandbox.recordedEvents().some((e) => e.idempotency_key === 'a'), { what: 'a delivered' });
      expect(await listed(id)).toEqual(['b', 'c']);

      const all = await replay(id, { all: true });
      expect(all).toMatchObject({ status: 200, body: { replayed: 2 } });
      await waitFor(async () => (await host.queued(id)).dead === 2, { what: 'b and c dead again' });

      sandbox.clearFaults();
      const noBody = await replay(id);
      expect(noBody).toMatchObject({ status: 200, body: { replayed: 2 } });
      await waitFor(async () => (await host.queued(id)).dead === 0 && (await host.queued(id)).waiting === 0, { what: 'an empty queue' });
      expect(sandbox.recordedEvents().map((e) => e.idempotency_key).sort()).toEqual(['a', 'b', 'c']);
    });
  });

  describe('auth and error answers', () => {
    const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => fetch(`${host.url}${path}`, { method, headers, body });

    it('takes the bearer scheme in any case', async () => {
      for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
        const answer = await raw('GET', '/v1/admin/integrations', { authorization: `${scheme} ${host.adminToken}` });
        expect([scheme, answer.status]).toEqual([scheme, 200]);
      }
      const ingested = await raw('POST', '/v1/t', { authorization: `bearer ${host.pipelineKey}`, 'content-type': 'application/json' }, JSON.stringify(track('lower-bearer')));
      expect(ingested.status).toBe(200);
      const basic = await raw('GET', '/v1/admin/integrations', { authorization: `Basic ${host.adminToken}` });
      expect(basic.status).toBe(401);
    });

    it('says nosniff on 401, 404, 400 and 405 answers, and Allow on a 405', async () => {
      const unauthorized = await raw('GET', '/v1/admin/integrations');
      const missing = await raw('GET', '/v1/admin/nothing-here', { authorization: `Bearer ${host.adminToken}` });
      const missingIntegration = await raw('GET', '/v1/admin/integrations/int_missing', { authorization: `Bearer ${host.adminToken}` });
      const bad = await raw('POST', '/v1/batch', { authorization: `Bearer ${host.pipelineKey}`, 'content-type': 'application/json' }, '{"batch": [');
      const notAllowed = await raw('PUT', '/v1/admin/integrations/int_x', { authorization: `Bearer ${host.adminToken}` });
      const answers = [
        [unauthorized, 401, { code: 'unauthorized', message: 'A valid admin token is required: Authorization: Bearer <admin token>' }],
        [missing, 404, { code: 'not_found', message: 'No route for GET /v1/admin/nothing-here' }],
        [missingIntegration, 404, { code: 'not_found', message: 'Integration int_missing was not found' }],
        [bad, 400, { code: 'invalid_json', message: 'The request body is not valid JSON' }],
        [notAllowed, 405, { code: 'method_not_allowed', message: 'PUT is not allowed on /v1/admin/integrations/int_x' }],
      ] as const;
      for (const [answer, status, error] of answers) {
        expect([answer.status, answer.headers.get('x-content-type-options'), await answer.json()]).toEqual([status, 'nosniff', { error }]);
      }
      expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer');
      expect(notAllowed.headers.get('allow')).toBe('GET, PATCH, DELETE');
    });
  });

  it('documents every route it registers (but the hidden ones) in a valid OpenAPI 3.1 document, served without a token', async () => {
    const answer = await fetch(`${host.url}/v1/openapi.json`);
    expect(answer.status).toBe(200);
    const doc = (await answer.json()) as OpenApiDocument;
    expect(openApiProblems(doc)).toEqual([]);

    const registered = routesOf(host.app)
      .filter((r) => !r.hidden)
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(documented).toEqual(registered);
    expect(registered.length).toBeGreaterThanOrEqual(20);
  });
});

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, any>>;
  components?: Record<string, Record<string, unknown>>;
}
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * What OpenAPI 3.1 requires of a document, checked rule by rule (the spec's own words in comments):
 * the fixed fields, path templating, parameters, responses, security names, references that resolve,
 * and every schema a valid JSON Schema 2020-12 (the dialect 3.1 uses). Answers one line per problem.
 */
function openApiProblems(doc: OpenApiDocument): string[] {
  const problems: string[] = [];
  const problem = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!/^3\.1\.\d+$/.test(doc.openapi)) problem('openapi', `"${doc.openapi}" is not 3.1.x`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') problem('info', 'needs title and version strings');
  const schemes = Object.keys(doc.components?.securitySchemes ?? {});
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs']) ajv.addKeyword(keyword);
  const checkSchema = (where: string, schema: unknown) => {
    if (!ajv.validateSchema(schema as object)) problem(where, `not a JSON Schema 2020-12: ${ajv.errorsText(ajv.errors)}`);
  };
  const operationIds = new Set<string>();

  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    // "The field name MUST begin with a forward slash (/)."
    if (!path.startsWith('/')) problem(path, 'a path must begin with /');
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, operation] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!METHODS.includes(method)) {
        if (!['parameters', 'summary', 'description', 'servers', '$ref'].includes(method)) problem(where, 'not a field of a path item');
        continue;
      }
      if (operation.operationId !== undefined) {
        if (operationIds.has(operation.operationId)) problem(where, `operationId ${operation.operationId} is not unique`);
        operationIds.add(operation.operationId);
      }
      const parameters: any[] = operation.parameters ?? [];
      const seen = new Set<string>();
      for (const parameter of parameters) {
        if (typeof parameter.name !== 'string' || !['query', 'header', 'path', 'cookie'].includes(parameter.in)) problem(where, `parameter ${JSON.stringify(parameter)} needs a name and in`);
        // "The list MUST NOT include duplicated parameters. A unique parameter is defined by a combination of a name and location."
        if (seen.has(`${parameter.in}:${parameter.name}`)) problem(where, `parameter ${parameter.in} ${parameter.name} is listed twice`);
        seen.add(`${parameter.in}:${parameter.name}`);
        // "If the parameter location is "path", this property is REQUIRED and its value MUST be true."
        if (parameter.in === 'path' && parameter.required !== true) problem(where, `path parameter ${parameter.name} must be required`);
        if (parameter.in === 'path' && !templated.includes(parameter.name)) problem(where, `path parameter ${parameter.name} is not in the path`);
        if ((parameter.schema === undefined) === (parameter.content === undefined)) problem(where, `parameter ${parameter.name} needs exactly one of schema and content`);
        if (parameter.schema !== undefined) checkSchema(`${where} parameter ${parameter.name}`, parameter.schema);
      }
      // "Each template expression in the path MUST correspond to a path parameter."
      for (const name of templated) if (!parameters.some((p) => p.in === 'path' && p.name === name)) problem(where, `{${name}} has no path parameter`);
      if (operation.requestBody !== undefined) {
        if (typeof operation.requestBody.content !== 'object') problem(where, 'a requestBody needs content');
        for (const [type, media] of Object.entries<any>(operation.requestBody.content ?? {})) if (media.schema !== undefined) checkSchema(`${where} body ${type}`, media.schema);
      }
      for (const [status, response] of Object.entries<any>(operation.responses ?? {})) {
        if (!/^([1-5](\d\d|XX)|default)$/.test(status)) problem(where, `response key ${status} is not a status code`);
        // "description: REQUIRED."
        if (typeof response.description !== 'string') problem(`${where} ${status}`, 'a response needs a description');
        for (const [type, media] of Object.entries<any>(response.content ?? {})) if (media.schema !== undefined) checkSchema(`${where} ${status} ${type}`, media.schema);
      }
      for (const requirement of operation.security ?? []) for (const name of Object.keys(requirement)) if (!schemes.includes(name)) problem(where, `security scheme ${name} is not declared`);
    }
  }
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) checkSchema(`components.schemas.${name}`, schema);
  // Every reference points at something in the document.
  const resolve = (pointer: string) => pointer.slice(2).split('/').reduce<any>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  const walk = (node: unknown, where: string) => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && (!value.startsWith('#/') || resolve(value) === undefined)) problem(where, `$ref ${value} does not resolve`);
      walk(value, `${where}/${key}`);
    }
  };
  walk(doc, '#');
  return problems;
}
