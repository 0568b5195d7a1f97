import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataflyEvent, DeliveryAdapter } from '../../src/contract/index.js';
import type { HeapSandbox } from '../../reference-host/src/sandbox/server.js';
import { HeapDeliveryAdapter } from '../../src/heap/adapter.js';
import { heapOptions } from '../../src/heap/blueprint-options.js';
import { HeapConfigSchema } from '../../src/heap/config.js';
import { anonymousUserId } from '../../src/heap/identity.js';
import type { HeapConfigInput } from '../../src/heap/index.js';
import { invalidCredentialsMessage } from '../../src/heap/classify.js';
import { API_KEY, APP_ID, TS, event, heapAdapter, heapDeletion, heapPlugin, startCaptureServer, startSandbox, withEveryMethod, type HeapTestAdapter } from '../../reference-host/test/helpers/heap.js';

const ANON_1 = anonymousUserId('anon-1');

/** The adapter over real HTTP against the sandbox: batching, isolation, classification, idempotency. */
describe('Heap delivery adapter over HTTP (judged by our Heap sandbox)', () => {
  let sandbox: HeapSandbox;
  let adapter: HeapTestAdapter;

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
        calls: [
          {
            method: 'POST',
            url: `${sandbox.url}/api/track`,
            body: JSON.stringify({ app_id: APP_ID, events: [{ identity: 'user-617', event: 'Button Clicked', properties: {}, idempotency_key: 'iso-617', timestamp: TS }] }),
            items: 1,
          },
        ],
      },
    ]);
    // A neighbour's call counts the items of the request Heap took it in: 1000 → 500 (0–499 taken); 500–999 → 250 (750–999 taken).
    expect([results[0].calls?.map((c) => c.items), results[999].calls?.map((c) => c.items)]).toEqual([[500], [250]]);
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
      calls: [
        {
          method: 'POST',
          url: `${sandbox.url}/api/track`,
          body: JSON.stringify({ app_id: APP_ID, events: [{ user_id: ANON_1, event: 'Button Clicked', properties: {}, idempotency_key: 'auth-1', timestamp: TS }] }),
          items: 1,
        },
      ],
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
    expect(result).toMatchObject({ status: 'retryable', code: 'network_error', message: `The connection to Heap at ${sandbox.url}/api/track closed before an answer.` });
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
    expect(new Set([...second, ...third].map((r) => r.status))).toEqual(new Set(['delivered']));
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
      message: `Invalid App ID or API key: Heap answered 401 for app ${APP_ID}. Verify the App ID and API key match the correct environment in Heap settings. Heap checks an API key only with the App ID of your main production environment (not Development or another environment): copy that App ID from Settings > Account > Manage > Environment, and use an API key made under Settings > Account > Manage > API Keys.`,
    });
    expect(JSON.stringify(denied)).not.toContain('not-the-key');

    const down = await startSandbox();
    const url = down.url;
    await down.stop();
    const unreachable = heapAdapter(sandbox, { config: { endpoint: url } });
    const answer = await unreachable.testConnection();
    await unreachable.close();
    expect(answer).toEqual({ ok: false, code: 'network_error', message: `Could not reach Heap at ${url}/api/public/v0/auth_token: the connection was refused.` });
  });
});

describe('identify merges (judged by our Heap sandbox)', () => {
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
      // Both events asked for the one merge call: each shows it.
      const mergeCall = { method: 'POST', url: `${sandbox.url}/api/v1/identify`, body: JSON.stringify({ app_id: APP_ID, user_id: anonymousUserId('anon-a'), identity: 'user-7', timestamp: TS }), items: 1 };
      expect([first[0].calls, first[1].calls]).toEqual([[mergeCall], [mergeCall]]);
      const again = await adapter.deliver([identify('m-4', 'anon-a')]);
      expect(again).toEqual([
        { messageId: 'm-4', status: 'delivered', warnings: [], requests: 0, response: 'merge skipped: Heap already accepted this user_id → identity pair from this installation' },
      ]);
      const withTraits = await adapter.deliver([event({ type: 'identify', userId: 'user-7', anonymousId: 'anon-b', messageId: 'm-5', traits: { plan: 'pro' } })]);
      expect(withTraits).toEqual([
        {
          messageId: 'm-5',
          status: 'delivered',
          httpStatus: 200,
          response: '{}',
          warnings: [],
          requests: 1,
          calls: [{ method: 'POST', url: `${sandbox.url}/api/add_user_properties`, body: JSON.stringify({ app_id: APP_ID, users: [{ identity: 'user-7', properties: { plan: 'pro' } }] }), items: 1 }],
        },
      ]);
      expect(sandbox.recordedRequests({ path: '/api/v1/identify' })).toHaveLength(2);
      expect(sandbox.mergesRecorded().map((m) => m.identity)).toEqual(['user-7', 'user-7']);
    } finally {
      await adapter.close();
      await sandbox.stop();
    }
  });
});

describe('preview and the calls of each result', () => {
  /** Every kind of call, a merge asked for twice, a filtered, a failed and a shaped event. */
  const mixed = () => [
    event({ type: 'page', messageId: 'p-page', anonymousId: 'anon-1', context: { page: { url: 'https://shop.example.com/é' } }, properties: { note: 'ü🙂' } }),
    event({ event: 'Order Completed', messageId: 'p-order', userId: 'user-1', properties: { revenue: '10.5', products: [{ sku: 'A' }, { sku: 'B' }] } }),
    event({ type: 'identify', messageId: 'p-identify', userId: 'user-1', anonymousId: 'anon-1', traits: { plan: 'pro' } }),
    event({ type: 'identify', messageId: 'p-identify-again', userId: 'user-1', anonymousId: 'anon-1', traits: {} }),
    event({ type: 'group', messageId: 'p-group', userId: 'user-1', groupId: 'acme', traits: { name: 'Acme' } }),
    event({ type: 'identify', messageId: 'p-anonymous', anonymousId: 'anon-2', traits: { plan: 'free' } }),
    event({ type: 'alias' as never, messageId: 'p-alias', userId: 'user-1' }),
    event({ event: 'Long', messageId: 'p-long', userId: 'user-2', properties: { text: 'x'.repeat(2000) } }),
  ];
  const line = (method: string, url: string, body: string) => `${method} ${url} ${body}`;

  it('previews byte for byte the requests deliver() then sends, and what happens to each event', async () => {
    const capture = await startCaptureServer();
    const adapter = heapAdapter(capture);
    try {
      const events = mixed();
      const preview = adapter.preview(events);
      expect(capture.captured).toEqual([]);
      const results = await adapter.deliver(events);
      expect(capture.captured.map((c) => line(c.method, `${capture.url}${c.url}`, c.body)).sort()).toEqual(preview.requests.map((r) => line(r.method, r.url, r.body)).sort());
      expect(preview.requests.map((r) => r.url.slice(capture.url.length))).toEqual(['/api/track', '/api/add_user_properties', '/api/add_account_properties', '/api/v1/identify']);
      expect(preview.results).toEqual([
        { messageId: 'p-page', status: 'send', warnings: [], requests: [0] },
        { messageId: 'p-order', status: 'send', warnings: [], requests: [0] },
        { messageId: 'p-identify', status: 'send', warnings: [], requests: [1, 3] },
        { messageId: 'p-identify-again', status: 'send', warnings: [], requests: [3] },
        { messageId: 'p-group', status: 'send', warnings: [], requests: [2] },
        {
          messageId: 'p-anonymous',
          status: 'filtered',
          code: 'unsupported',
          message: 'Heap cannot store user properties for an anonymous user: identify needs a userId',
          warnings: [],
          requests: [],
        },
        { messageId: 'p-alias', status: 'failed', code: 'invalid_event', message: 'type: unknown event type "alias"; expected track, page, screen, identify or group', warnings: [], requests: [] },
        { messageId: 'p-long', status: 'send', warnings: ['truncated property "text" from 2000 to 1023 characters (Heap takes fewer than 1024 characters in a value)'], requests: [0] },
      ]);
      expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered', 'filtered', 'failed', 'delivered']);

      // The merge Heap accepted is not sent again: the preview says so too.
      const again = adapter.preview(events);
      expect(again.requests.map((r) => r.url.slice(capture.url.length))).toEqual(['/api/track', '/api/add_user_properties', '/api/add_account_properties']);
      expect(again.results[3]).toEqual({ messageId: 'p-identify-again', status: 'send', warnings: [], requests: [] });
    } finally {
      await adapter.close();
      await capture.stop();
    }
  });

  it('gives each delivered event the calls it became: its item alone in the real body, the real request’s item count, no key', async () => {
    const capture = await startCaptureServer();
    const adapter = heapAdapter(capture);
    try {
      const results = await adapter.deliver(mixed());
      expect(results[2].calls).toEqual([
        { method: 'POST', url: `${capture.url}/api/add_user_properties`, body: JSON.stringify({ app_id: APP_ID, users: [{ identity: 'user-1', properties: { plan: 'pro' } }] }), items: 1 },
        { method: 'POST', url: `${capture.url}/api/v1/identify`, body: JSON.stringify({ app_id: APP_ID, user_id: ANON_1, identity: 'user-1', timestamp: TS }), items: 1 },
      ]);
      expect(results.map((r) => r.calls?.length ?? 0)).toEqual([1, 1, 2, 1, 1, 0, 0, 1]);
      // Every call is the real request with the other items taken out, byte for byte.
      const sent = capture.captured.map((c) => ({ url: `${capture.url}${c.url}`, body: c.body, parsed: JSON.parse(c.body) as Record<string, unknown> }));
      for (const call of results.flatMap((r) => r.calls ?? [])) {
        const own = JSON.parse(call.body) as Record<string, unknown>;
        const field = ['events', 'users', 'accounts'].find((f) => f in own);
        const real = sent.find((s) => s.url === call.url && (field ? JSON.stringify(s.parsed[field]).includes(JSON.stringify((own[field] as unknown[])[0])) : s.body === call.body))!;
        const items = field ? (real.parsed[field] as unknown[]) : [real.parsed];
        expect(call.items).toBe(items.length);
        expect(call.body).toBe(field ? JSON.stringify({ ...real.parsed, [field]: own[field] }) : real.body);
      }
      expect(results[0].calls?.[0].items).toBe(3);
      expect(JSON.stringify(results)).not.toContain(API_KEY);
    } finally {
      await adapter.close();
      await capture.stop();
    }
  });

  it('cuts bulk requests by their UTF-8 bytes, not their characters', () => {
    const plugin = heapPlugin();
    const blueprint = plugin.defaultBlueprint();
    const adapter = new HeapDeliveryAdapter({
      integrationId: 'bytes',
      config: HeapConfigSchema.parse({ app_id: APP_ID, api_key: API_KEY }),
      blueprint,
      options: heapOptions(blueprint),
      maxBytes: 1000,
    });
    // Each item is about 330 characters and 530 bytes: three fit 1000 characters, one fits 1000 bytes.
    const events = Array.from({ length: 6 }, (_, i) => event({ messageId: `bytes-${i}`, userId: 'user-1', properties: { text: 'é'.repeat(200) } }));
    const { requests, results } = adapter.preview(events);
    expect(requests.map((r) => Buffer.byteLength(r.body) <= 1000)).toEqual(Array(6).fill(true));
    expect(results.map((r) => r.requests)).toEqual([[0], [1], [2], [3], [4], [5]]);
  });
});

/** A self-signed certificate for 127.0.0.1, made by openssl at test time (Node cannot sign one itself). */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'heap-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'pipe' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch (error) {
    throw new Error(`this test needs openssl on the PATH to make a self-signed certificate: ${(error as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listening<T extends Server | NetServer>(server: T): Promise<{ server: T; port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function closed(server: Server | NetServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('endpoints that are not Heap, over real sockets: delivery and the connection test say the same', () => {
  /** Delivers one event and tests the connection against `endpoint`; answers both, the calls left out. */
  async function against(endpoint: string) {
    const adapter = heapAdapter({ url: endpoint });
    try {
      const [{ calls, ...result }] = await adapter.deliver([event({ messageId: 'probe' })]);
      const connection = await adapter.testConnection();
      expect(JSON.stringify([result, calls, connection])).not.toContain(API_KEY);
      return { result, connection };
    } finally {
      await adapter.close();
    }
  }

  it('a certificate this machine does not trust: failed, tls_error, with the reason', async () => {
    const { server, port } = await listening(createHttpsServer(selfSignedCertificate(), (_req, res) => res.end('{}')));
    try {
      const url = `https://127.0.0.1:${port}`;
      const message = (path: string) => `The TLS certificate of ${url}${path} was refused: it is self-signed. Heap's endpoint must present a certificate this machine trusts.`;
      expect(await against(url)).toEqual({
        result: { messageId: 'probe', status: 'failed', code: 'tls_error', message: message('/api/track'), warnings: [], requests: 1 },
        connection: { ok: false, code: 'tls_error', message: message('/api/public/v0/auth_token') },
      });
    } finally {
      await closed(server);
    }
  });

  it('a server that answers something that is not HTTP: failed, protocol_error, with the reason', async () => {
    const { server, port } = await listening(createNetServer((socket) => socket.on('data', () => socket.end('SSH-2.0-OpenSSH_9.2\r\n'))));
    try {
      const url = `http://127.0.0.1:${port}`;
      const message = (path: string) => `The endpoint ${url}${path} did not answer in HTTP. Check that it is Heap's API or a proxy to it.`;
      expect(await against(url)).toEqual({
        result: { messageId: 'probe', status: 'failed', code: 'protocol_error', message: message('/api/track'), warnings: [], requests: 1 },
        connection: { ok: false, code: 'protocol_error', message: message('/api/public/v0/auth_token') },
      });
    } finally {
      await closed(server);
    }
  });

  it('https to a port that does not speak TLS: failed, protocol_error', async () => {
    const { server, port } = await listening(createHttpServer((_req, res) => res.end('{}')));
    try {
      const url = `https://127.0.0.1:${port}`;
      const message = (path: string) => `The endpoint ${url}${path} did not answer in TLS: the server on that port speaks plain HTTP or another protocol. Check the scheme and the port.`;
      expect(await against(url)).toEqual({
        result: { messageId: 'probe', status: 'failed', code: 'protocol_error', message: message('/api/track'), warnings: [], requests: 1 },
        connection: { ok: false, code: 'protocol_error', message: message('/api/public/v0/auth_token') },
      });
    } finally {
      await closed(server);
    }
  });

  it('a closed port: retryable, network_error', async () => {
    const { server, port } = await listening(createNetServer());
    await closed(server);
    const url = `http://127.0.0.1:${port}`;
    const message = (path: string) => `Could not reach Heap at ${url}${path}: the connection was refused.`;
    expect(await against(url)).toEqual({
      result: { messageId: 'probe', status: 'retryable', code: 'network_error', message: message('/api/track'), warnings: [], requests: 1 },
      connection: { ok: false, code: 'network_error', message: message('/api/public/v0/auth_token') },
    });
  });

  it('a host name that does not resolve: retryable, network_error', async () => {
    const url = 'https://heap-endpoint.invalid';
    const message = (path: string) => `Could not reach Heap at ${url}${path}: its host name does not resolve.`;
    expect(await against(url)).toEqual({
      result: { messageId: 'probe', status: 'retryable', code: 'network_error', message: message('/api/track'), warnings: [], requests: 1 },
      connection: { ok: false, code: 'network_error', message: message('/api/public/v0/auth_token') },
    });
  });

  it('a server that answers 404: failed, endpoint_not_found, naming the URL', async () => {
    const capture = await startCaptureServer({ status: 404, body: 'Not Found' });
    try {
      const message = (path: string) => `Heap answered 404 for ${capture.url}${path}: the endpoint does not look like Heap's API. Check the region and the endpoint override.`;
      expect(await against(capture.url)).toEqual({
        result: { messageId: 'probe', status: 'failed', httpStatus: 404, code: 'endpoint_not_found', message: message('/api/track'), response: 'Not Found', warnings: [], requests: 1 },
        connection: { ok: false, code: 'endpoint_not_found', httpStatus: 404, message: message('/api/public/v0/auth_token') },
      });
    } finally {
      await capture.stop();
    }
  });

  it('a redirect: not followed (no request reaches where it points), failed, naming where it leads', async () => {
    const capture = await startCaptureServer({ status: 307, body: '', headers: { location: '/moved' } });
    try {
      const message = (path: string) => `Heap answered 307 for ${capture.url}${path}, a redirect to /moved, which is not followed: set the endpoint to the address Heap's API answers at.`;
      expect(await against(capture.url)).toEqual({
        result: { messageId: 'probe', status: 'failed', httpStatus: 307, code: 'unexpected_status', message: message('/api/track'), response: '', warnings: [], requests: 1 },
        connection: { ok: false, code: 'unexpected_status', httpStatus: 307, message: `The credentials check did not complete: ${message('/api/public/v0/auth_token')}` },
      });
      expect(capture.captured.map((c) => c.url)).toEqual(['/api/track', '/api/public/v0/auth_token']);
    } finally {
      await capture.stop();
    }
  });

  it('a URL that cannot be requested (past the config schema): failed, protocol_error', async () => {
    const plugin = heapPlugin();
    const blueprint = plugin.defaultBlueprint();
    const config = { ...HeapConfigSchema.parse({ app_id: APP_ID, api_key: API_KEY }), endpoint: 'http://127.0.0.1:99999' };
    const adapter = new HeapDeliveryAdapter({ integrationId: 'bad-url', config, blueprint, options: heapOptions(blueprint), maxBytes: 1_000_000 });
    try {
      const [{ calls: _calls, ...result }] = await adapter.deliver([event({ messageId: 'probe' })]);
      expect(result).toEqual({
        messageId: 'probe',
        status: 'failed',
        code: 'protocol_error',
        message: 'http://127.0.0.1:99999/api/track is not a URL Heap can be reached at. Check the endpoint override.',
        warnings: [],
        requests: 1,
      });
    } finally {
      await adapter.close();
    }
  });
});

describe('user deletion (judged by our Heap sandbox)', () => {
  let sandbox: HeapSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  afterEach(() => sandbox.reset());

  const deletionBodies = () => sandbox.recordedRequests({ path: '/api/public/v0/user_deletion' }).map((r) => r.body);
  const tokenRequests = () => sandbox.recordedRequests({ path: '/api/public/v0/auth_token' }).length;

  /** A deletion adapter on a clock the test moves. */
  function deletionAt(clock: { now: number }, config: Partial<HeapConfigInput> = {}) {
    return heapDeletion(sandbox, { config, clock: () => clock.now });
  }

  it('erases userIds as identities as sent and anonymous users by the user_id their events went under, with one token', async () => {
    const adapter = heapAdapter(sandbox);
    const deletion = heapDeletion(sandbox);
    try {
      await adapter.deliver([event({ messageId: 'before-deletion', anonymousId: 'anon-9' })]);
      const [tracked] = sandbox.recordedEvents();
      const parts = await deletion.deleteUsers({ userIds: ['user-1', 'user-2', 'null', 'user-1'], anonymousIds: ['anon-9'] });
      expect(deletionBodies()).toEqual([{ users: [{ identity: 'user-1' }, { identity: 'user-2' }, { user_id: tracked.user_id }] }]);
      expect(parts).toEqual([
        { ok: false, users: 1, code: 'invalid_event', message: 'Not sent to Heap: userIds[2]: not an id Heap could have received (empty, a placeholder such as "null", or not a string)', retryable: false },
        { ok: true, users: 3, requestId: expect.any(String), status: 'pending' },
      ]);
      const { requestId } = parts[1] as { requestId: string };
      expect(await deletion.deletionStatus(requestId)).toEqual({ requestId, status: 'pending' });
      expect(await deletion.deletionStatus(requestId)).toEqual({ requestId, status: 'complete' });
      expect(await deletion.deletionStatus('no-such-request')).toEqual({ requestId: 'no-such-request', status: 'not_found', httpStatus: 404, message: 'Heap knows no deletion request no-such-request' });
      expect(tokenRequests()).toBe(1);
    } finally {
      await adapter.close();
      await deletion.close();
    }
  });

  it('splits 25,000 users into requests of 10,000, 10,000 and 5,000', async () => {
    const adapter = heapDeletion(sandbox);
    try {
      const userIds = Array.from({ length: 25_000 }, (_, i) => `user-${i}`);
      const parts = await adapter.deleteUsers({ userIds });
      const batch = (from: number, to: number) => ({ users: userIds.slice(from, to).map((identity) => ({ identity })) });
      expect(deletionBodies()).toEqual([batch(0, 10_000), batch(10_000, 20_000), batch(20_000, 25_000)]);
      expect(parts.map((p) => [p.ok, p.users])).toEqual([
        [true, 10_000],
        [true, 10_000],
        [true, 5_000],
      ]);
      expect(tokenRequests()).toBe(1);
    } finally {
      await adapter.close();
    }
  });

  it('a wrong key: each part failed with invalid_credentials and the words delivery uses, no key in them', async () => {
    const adapter = heapDeletion(sandbox, { config: { api_key: 'not-the-key' } });
    try {
      const parts = await adapter.deleteUsers({ userIds: ['user-1'] });
      expect(parts).toEqual([{ ok: false, users: 1, code: 'invalid_credentials', message: invalidCredentialsMessage(401, APP_ID), httpStatus: 401, retryable: false }]);
      expect(await adapter.deletionStatus('d-1')).toEqual({ requestId: 'd-1', status: 'error', code: 'invalid_credentials', message: invalidCredentialsMessage(401, APP_ID), httpStatus: 401 });
      expect(JSON.stringify(parts)).not.toContain('not-the-key');
      expect(deletionBodies()).toEqual([]);
    } finally {
      await adapter.close();
    }
  });

  it('reuses a token for 4 minutes, then asks for a new one; a reused token Heap refuses is renewed once', async () => {
    const clock = { now: Date.parse(TS) };
    const adapter = deletionAt(clock);
    try {
      await adapter.deleteUsers({ userIds: ['user-1'] });
      clock.now += 3 * 60_000;
      await adapter.deleteUsers({ userIds: ['user-2'] });
      expect(tokenRequests()).toBe(1);
      clock.now += 2 * 60_000;
      await adapter.deleteUsers({ userIds: ['user-3'] });
      expect(tokenRequests()).toBe(2);
      sandbox.addFault({ path: '/api/public/v0/user_deletion', status: 401, count: 1 });
      const parts = await adapter.deleteUsers({ userIds: ['user-4'] });
      expect(parts).toEqual([{ ok: true, users: 1, requestId: expect.any(String), status: 'pending' }]);
      expect(tokenRequests()).toBe(3);
    } finally {
      await adapter.close();
    }
  });

  it('sends nothing for nothing', async () => {
    const adapter = heapDeletion(sandbox);
    try {
      expect(await adapter.deleteUsers({})).toEqual([]);
      expect(sandbox.stats().requests).toBe(0);
    } finally {
      await adapter.close();
    }
  });
});

describe('rate-limit keys: the buckets Heap (and the sandbox) count an event in', () => {
  it('app limits per app_id; user limits per identity or hashed user_id, as the request body names the user', async () => {
    const sandbox = await startSandbox();
    const adapter = heapAdapter(sandbox);
    try {
      const [perApp, perUser] = heapPlugin().manifest.rate_limits;
      expect([perApp.scope, perUser.scope]).toEqual(['app', 'user']);
      const events = [
        event({ messageId: 'k-anonymous', anonymousId: 'anon-1' }),
        event({ messageId: 'k-identified', userId: 'user-1', anonymousId: 'anon-1' }),
        event({ messageId: 'k-null', userId: 'null', anonymousId: 'anon-2' }),
        event({ messageId: 'k-number', userId: 42 }),
      ];
      await adapter.deliver(events);
      // The sandbox's buckets: `${app_id}` per app, `${app_id}:${identity ?? 'user_id:' + user_id}` per user.
      const seen = new Map(sandbox.recordedEvents().map((e) => [e.idempotency_key, `${e.app_id}:${e.identity ?? `user_id:${e.user_id}`}`]));
      expect(events.map((e) => adapter.rateLimitKey(perUser, e))).toEqual(events.map((e) => seen.get(e.messageId)));
      expect(events.map((e) => adapter.rateLimitKey(perUser, e))).toEqual([
        `${APP_ID}:user_id:${ANON_1}`,
        `${APP_ID}:user-1`,
        `${APP_ID}:user_id:${anonymousUserId('anon-2')}`,
        `${APP_ID}:42`,
      ]);
      expect(events.map((e) => adapter.rateLimitKey(perApp, e))).toEqual(Array(4).fill(APP_ID));
    } finally {
      await adapter.close();
      await sandbox.stop();
    }
  });

  it('follows the blueprint’s anonymous strategy, and counts no event that names no user', () => {
    const plugin = heapPlugin();
    const blueprint = { ...plugin.defaultBlueprint(), options: { identity: { anonymous: 'identity' } } };
    const adapter = withEveryMethod(plugin.createAdapter({ integrationId: 'k', config: { app_id: APP_ID, api_key: API_KEY }, blueprint }));
    const dropping = withEveryMethod(plugin.createAdapter({ integrationId: 'k', config: { app_id: APP_ID, api_key: API_KEY }, blueprint: { ...blueprint, options: { identity: { anonymous: 'drop' } } } }));
    const [, perUser] = plugin.manifest.rate_limits;
    expect(adapter.rateLimitKey(perUser, event({ anonymousId: 'anon-1' }))).toBe(`${APP_ID}:anon-1`);
    expect(dropping.rateLimitKey(perUser, event({ anonymousId: 'anon-1' }))).toBeUndefined();
    expect(adapter.rateLimitKey(perUser, event({ anonymousId: 'undefined', userId: '' }))).toBeUndefined();
    expect(adapter.rateLimitKey(perUser, event({ userId: 12345678901234567890, anonymousId: null }))).toBeUndefined();
    void adapter.close();
    void dropping.close();
  });
});
