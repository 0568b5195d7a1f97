import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { basic, call, error, inspect, post as postTo } from '../helpers/sandbox-client.js';

/** The sandbox checks requests as Heap documents them; these pin its answers, over HTTP. */
describe('Heap sandbox', () => {
  let sandbox: HeapSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) => postTo(sandbox, path, body, headers);
  const track = (event: Record<string, unknown>) => post('/api/track', { app_id: APP_ID, events: [{ event: 'E', identity: 'u', ...event }] });

  it.each([
    [{ app_id: 'abc', event: 'E', identity: 'u' }, 'app_id: must be a numeric string'],
    [{ event: 'E', identity: 'u' }, 'app_id: is required'],
    [{ app_id: APP_ID, event: 'E' }, 'identity: exactly one of identity or user_id is required'],
    [{ app_id: APP_ID, event: 'E', identity: 'u', user_id: '1' }, 'identity: exactly one of identity or user_id is required'],
    [{ app_id: APP_ID, event: 'E', user_id: '9007199254740992' }, 'user_id: must be a decimal string holding an integer between 0 and 2^53-1'],
    [{ app_id: APP_ID, event: 'E', user_id: 12 }, 'user_id: must be a decimal string holding an integer between 0 and 2^53-1'],
    [{ app_id: APP_ID, event: '', identity: 'u' }, 'event: is required and must be a non-empty string'],
    [{ app_id: APP_ID, event: 'E', identity: 'u'.repeat(256) }, 'identity: must be at most 255 characters (got 256)'],
    [{ app_id: APP_ID, event: 'E', identity: 'u', properties: { ok: true } }, 'properties.ok: must be a string or a number (got boolean)'],
    [{ app_id: APP_ID, event: 'E', identity: 'u', properties: { n: { a: 1 } } }, 'properties.n: must be a string or a number (got object)'],
    [{ app_id: APP_ID, event: 'E', identity: 'u', properties: { v: 'x'.repeat(1024) } }, 'properties.v: values must be fewer than 1024 characters (got 1024)'],
    [{ app_id: APP_ID, event: 'E', identity: 'u', timestamp: 'yesterday' }, 'timestamp: must be an ISO 8601 date-time such as 2017-03-10T22:21:56+00:00'],
  ])('single track %j → 400 %s', async (body, message) => {
    expect(await post('/api/track', body)).toMatchObject({ status: 400, text: error(message) });
  });

  it('names the bulk item at fault and refuses more than 1000 items', async () => {
    expect((await track({ properties: { b: null } })).text).toBe(error('events[0].properties.b: must be a string or a number (got null)'));
    const many = Array.from({ length: 1001 }, () => ({ event: 'E', identity: 'u' }));
    expect((await post('/api/track', { app_id: APP_ID, events: many })).text).toBe(error('events: holds 1001 items; at most 1000 are allowed'));
    expect((await post('/api/track', '{not json')).text).toBe(error('body: malformed JSON'));
  });

  it('refuses id as a user property and user_id on add_user_properties; answers account properties in plain text', async () => {
    expect((await post('/api/add_user_properties', { app_id: APP_ID, identity: 'u', properties: { ID: 1 } })).text).toBe(
      error('properties.ID: "id" is not allowed as a user property name'),
    );
    expect((await post('/api/add_user_properties', { app_id: APP_ID, user_id: '1', properties: { a: 1 } })).text).toBe(
      error('user_id: add_user_properties takes identity only; anonymous users cannot get user properties'),
    );
    expect(await post('/api/add_account_properties', { app_id: APP_ID, properties: { a: 1 } })).toMatchObject({ status: 400, text: 'account_id: is required' });
    expect(await post('/api/add_account_properties', { app_id: APP_ID, account_id: 'acme', properties: { a: 1 } })).toMatchObject({ status: 200, text: 'OK' });
  });

  it('deduplicates by idempotency key, first write wins', async () => {
    await track({ idempotency_key: 'k1', properties: { n: 1 } });
    await track({ idempotency_key: 'k1', properties: { n: 2 } });
    expect(sandbox.stats()).toMatchObject({ events_accepted: 1, duplicates: 1, unique_idempotency_keys: 1 });
    expect(sandbox.recordedEvents().map((e) => e.properties)).toEqual([{ n: 1 }]);
  });

  it('enforces 1000 events per minute per identity with 429 and Retry-After', async () => {
    sandbox.setLimits({ enabled: true });
    const batch = (n: number) => ({ app_id: APP_ID, events: Array.from({ length: n }, () => ({ event: 'E', identity: 'busy' })) });
    expect((await post('/api/track', batch(1000))).status).toBe(200);
    const refused = await post('/api/track', batch(10));
    expect(refused).toMatchObject({ status: 429, text: error('rate limit exceeded: events_per_identity') });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await post('/api/track', { app_id: APP_ID, events: [{ event: 'E', identity: 'calm' }] })).status).toBe(200);
    sandbox.setLimits({ enabled: false });
  });

  it('issues tokens for the configured credentials only, and runs a user deletion with one', async () => {
    expect((await post('/api/public/v0/auth_token', '', basic(APP_ID, 'wrong'))).status).toBe(401);
    const granted = await post('/api/public/v0/auth_token', '', basic(APP_ID, API_KEY));
    expect(granted.status).toBe(200);
    const token = JSON.parse(granted.text).access_token as string;
    expect((await post('/api/public/v0/user_deletion', { users: [{ identity: 'u' }] })).status).toBe(401);
    const deletion = await post('/api/public/v0/user_deletion', { users: [{ identity: 'u' }, { user_id: '12' }] }, { authorization: `Bearer ${token}` });
    expect(deletion.status).toBe(201);
    const { deletion_request_id: id, status } = JSON.parse(deletion.text);
    expect(status).toBe('pending');
    const poll = () => fetch(`${sandbox.url}/api/public/v0/deletion_status/${id}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    expect(await poll()).toEqual({ deletion_request_id: id, status: 'pending' });
    expect(await poll()).toEqual({ deletion_request_id: id, status: 'complete' });
  });

  it('injects faults on demand through its control API', async () => {
    const added = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ path: '/api/track', status: 500, count: 2 }) });
    expect(added.status).toBe(201);
    expect([(await track({})).status, (await track({})).status, (await track({})).status]).toEqual([500, 500, 200]);
    const bad = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ status: 'x' }) });
    expect(await bad.json()).toEqual({ error: 'status: must be a number from 100 to 599' });
    const recorded = await fetch(`${sandbox.url}/__sandbox/requests?status=500`).then((r) => r.json());
    expect(recorded).toHaveLength(2);
  });

  it.each([
    [{ status: 'x' }, 'status: must be a number from 100 to 599'],
    [{ status: 600 }, 'status: must be a number from 100 to 599'],
    [{ status: 500, count: 0 }, 'count: must be a number from 1 to 1000000000'],
    [{ status: 500, fraction: 1.5 }, 'fraction: must be a number from 0 to 1'],
    [{ status: 429, retry_after: -1 }, 'retry_after: must be a number from 0 to 86400'],
    [{ latency_ms: 600_001 }, 'latency_ms: must be a number from 0 to 600000'],
    [{ status: 500, path: 5 }, 'path: must be a string'],
    [{ status: 500, body: { error: 'x' } }, 'body: must be a string'],
    [{ status: 400, idempotency_keys: ['a', 1] }, 'idempotency_keys: must be an array of strings'],
    [{ drop: 'yes' }, 'drop: must be true or false'],
    [{ path: '/api/track' }, 'a fault needs status, drop or latency_ms'],
    [{ drop: false }, 'a fault needs status, drop or latency_ms'],
    [{ stauts: 500 }, 'stauts: is not a known field'],
    [[{ status: 500 }], 'a fault must be a JSON object'],
    ['{"status": 5', 'body: malformed JSON'],
  ])('refuses the fault %j with 400 naming the field', async (fault, message) => {
    expect(await post('/__sandbox/faults', fault)).toMatchObject({ status: 400, text: error(message) });
    if (typeof fault !== 'string') expect(() => sandbox.addFault(fault)).toThrow(message);
    expect(await inspect(sandbox, 'faults')).toEqual([]);
  });

  it('lists the faults it holds with how often they fired, and clears them', async () => {
    await post('/__sandbox/faults', { path: '/api/track', idempotency_keys: ['bad'], status: 400, body: 'no' });
    await track({ idempotency_key: 'bad' });
    await track({ idempotency_key: 'good' });
    expect(await inspect(sandbox, 'faults')).toEqual([{ path: '/api/track', idempotency_keys: ['bad'], status: 400, body: 'no', id: expect.any(Number), fired: 1 }]);
    expect(await call(sandbox, 'DELETE', '/__sandbox/faults')).toMatchObject({ status: 200, text: JSON.stringify({ cleared: true }) });
    expect(await inspect(sandbox, 'faults')).toEqual([]);
  });

  it('checks rate-limit settings the same way, and shows them', async () => {
    expect(await post('/__sandbox/limits', { scale: 0 })).toMatchObject({ status: 400, text: error('scale: must be a positive number') });
    expect(await post('/__sandbox/limits', { enabled: 'no' })).toMatchObject({ status: 400, text: error('enabled: must be true or false') });
    expect(await post('/__sandbox/limits', { eventsPerAppPerMinute: 1.5 })).toMatchObject({ status: 400, text: error('eventsPerAppPerMinute: must be a positive integer') });
    expect(await post('/__sandbox/limits', { perMinute: 5 })).toMatchObject({ status: 400, text: error('perMinute: is not a known field') });
    const set = await post('/__sandbox/limits', { eventsPerAppPerMinute: 100 });
    expect(JSON.parse(set.text)).toEqual({ enabled: false, scale: 1, eventsPerAppPerMinute: 100, eventsPerIdentityPerMinute: 1000, requestsPerIdentityPer30s: 30 });
    expect(await inspect(sandbox, 'limits')).toEqual(JSON.parse(set.text));
    sandbox.setLimits({ eventsPerAppPerMinute: 15_000 });
  });

  it('answers 404 for a control route it does not have', async () => {
    expect(await call(sandbox, 'GET', '/__sandbox/nothing')).toMatchObject({ status: 404, text: error('no sandbox control route GET /nothing') });
  });

  it('answers 404 for a path Heap does not have, whatever the method, and 405 for a wrong method on one it has', async () => {
    expect(await call(sandbox, 'GET', '/nope')).toMatchObject({ status: 404, text: error('no Heap endpoint at /nope') });
    expect(await call(sandbox, 'POST', '/api/nope')).toMatchObject({ status: 404, text: error('no Heap endpoint at /api/nope') });
    expect(await call(sandbox, 'GET', '/api/track')).toMatchObject({ status: 405, text: error('GET is not allowed on /api/track') });
  });

  it('records each request’s raw body byte for byte beside the parsed one', async () => {
    const raw = '{ "app_id": "1234567890",\n  "event": "Café ☕", "identity": "u", "properties": {"n": 1.50} }';
    expect((await post('/api/track', raw)).status).toBe(200);
    expect((await post('/api/track', '{not json')).status).toBe(400);
    const [track, malformed] = await inspect(sandbox, 'requests');
    expect(track).toMatchObject({ path: '/api/track', status: 200, raw_body: raw, raw_body_truncated: false });
    expect(track.body).toEqual({ app_id: APP_ID, event: 'Café ☕', identity: 'u', properties: { n: 1.5 } });
    expect(malformed).toMatchObject({ status: 400, body: '{not json', raw_body: '{not json', raw_body_truncated: false });
    expect(Buffer.from(track.raw_body)).toEqual(Buffer.from(raw));
  });

  it('keeps a 1000-event bulk body whole', async () => {
    const raw = JSON.stringify({ app_id: APP_ID, events: Array.from({ length: 1000 }, (_, i) => ({ event: 'E', identity: `u-${i}`, properties: { p: 'x'.repeat(500) } })) });
    expect((await post('/api/track', raw)).status).toBe(200);
    expect(sandbox.recordedRequests()[0]).toMatchObject({ raw_body: raw, raw_body_truncated: false });
  });

  it('survives a request target that is not a URL path, answering 400', async () => {
    const { hostname, port } = new URL(sandbox.url);
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.end('GET //[/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(sandbox.recordedRequests()).toMatchObject([{ method: 'GET', path: '//[/x', status: 400 }]);
    expect((await track({})).status).toBe(200);
  });
});

describe('Heap sandbox with small body bounds', () => {
  let sandbox: HeapSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ maxRawBodyBytes: 32, maxBodyBytes: 4096 });
  });
  afterAll(() => sandbox.stop());

  it('cuts the raw body past maxRawBodyBytes and says so; answers 413 past maxBodyBytes', async () => {
    const raw = JSON.stringify({ app_id: APP_ID, event: 'A long enough event name', identity: 'u' });
    expect((await postTo(sandbox, '/api/track', raw)).status).toBe(200);
    const huge = JSON.stringify({ app_id: APP_ID, event: 'E', identity: 'u', properties: { p: 'x'.repeat(5000) } });
    expect(await postTo(sandbox, '/api/track', huge)).toMatchObject({ status: 413, text: error('body: larger than 4096 bytes') });
    const [kept, tooLarge] = sandbox.recordedRequests();
    expect(kept).toMatchObject({ status: 200, raw_body: raw.slice(0, 32), raw_body_truncated: true, body: JSON.parse(raw) });
    expect(tooLarge).toMatchObject({ status: 413, raw_body: huge.slice(0, 32), raw_body_truncated: true });
    expect(tooLarge.body).toBeUndefined();
  });
});
