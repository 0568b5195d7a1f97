import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import type { NodeProcess } from '../../tools/processes.js';
import { waitFor } from '../helpers/conditions.js';
import { FULL_SCALE, printFigures } from '../helpers/figures.js';
import { API_KEY, APP_ID, startSandbox, TS } from '../helpers/heap.js';
import { PROCESS_TOKENS, startHostProcess } from '../helpers/host-process.js';

/** Sends bytes as they are (no client library fixes them up) and answers the status line, the headers and the body. */
function rawRequest(url: string, text: string): Promise<{ status: string; headers: string[]; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => {
      const [head, body = ''] = answer.split('\r\n\r\n');
      const [status = '', ...headers] = head.split('\r\n');
      resolve({ status, headers: headers.map((h) => h.toLowerCase()), body });
    });
    socket.on('error', reject);
  });
}

/**
 * Sends `text` and keeps the socket open (no end): `sent` resolves once the bytes left for the host,
 * `answer` with everything the host sent once it closes the connection.
 */
function openExchange(url: string, text: string): { socket: Socket; sent: Promise<void>; answer: Promise<string> } {
  const { hostname, port } = new URL(url);
  let written: () => void;
  const sent = new Promise<void>((resolve) => (written = resolve));
  const socket = connect(Number(port), hostname, () => socket.write(text, () => written()));
  const answer = new Promise<string>((resolve) => {
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
  return { socket, sent, answer };
}

/** Short, for the stalled clients' test alone: elsewhere a body on a busy machine must never be cut off. */
const STALL_TIMEOUT_MS = 1000;
const CONCURRENT_BODIES = 8;
const pipelineAuth = { authorization: `Bearer ${PROCESS_TOKENS.pipeline}`, 'content-type': 'application/json' };
const adminAuth = { authorization: `Bearer ${PROCESS_TOKENS.admin}`, 'content-type': 'application/json' };

/** Attacks at the HTTP level, against the host as `npm start` runs it, in its own process. */
describe('hostile HTTP requests', () => {
  let host: NodeProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'datafly-hostile-http-'));
    host = await startHostProcess(dataDir, { DATAFLY_BODY_TIMEOUT_MS: '300000', DATAFLY_MAX_CONCURRENT_BODIES: String(CONCURRENT_BODIES) });
  });
  afterAll(async () => {
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 400 to request targets that are not URLs, in the host\'s envelope, without a token, and keeps serving', async () => {
    const invalidTarget = { error: { code: 'invalid_request_target', message: 'The request target is not a valid URL path' } };
    const cases: [string, unknown][] = [
      ['http://a:99999/health', invalidTarget],
      ['//[/x', invalidTarget],
      ['http://%zz/', invalidTarget],
      ['http://[::1/health', invalidTarget],
      ['/%%', invalidTarget],
      ['/v1/admin/integrations/%zz', invalidTarget],
      // Not a target Node's HTTP parser takes at all: answered before any route.
      ['foo', { error: { code: 'bad_request', message: 'The request is not valid HTTP (HPE_INVALID_URL)' } }],
    ];
    const rows = [];
    for (const [target, envelope] of cases) {
      const answer = await rawRequest(host.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const health = await fetch(`${host.url}/health`);
      rows.push({ target, answer: answer.status, body: answer.body, 'host alive after': health.status });
      expect(answer.status).toBe('HTTP/1.1 400 Bad Request');
      expect(JSON.parse(answer.body)).toEqual(envelope);
      expect(answer.headers).toContain('x-content-type-options: nosniff');
      expect(health.status).toBe(200);
    }
    printFigures('Request targets that are not URLs', rows);
    expect(host.child.exitCode).toBeNull();
  });

  it('refuses concurrent bodies of nothing but [ one by one, naming the nesting, while /health keeps answering', async () => {
    const bodies = 20;
    const bytes = FULL_SCALE ? 5_000_000 : 1_000_000;
    const body = Buffer.alloc(bytes, '[');
    const rssBefore = host.memory().rssMb;
    const health: { status: number; ms: number }[] = [];
    let attacking = true;
    const poll = (async () => {
      while (attacking) {
        const started = performance.now();
        const answer = await fetch(`${host.url}/health`);
        await answer.text();
        health.push({ status: answer.status, ms: performance.now() - started });
      }
    })();
    await waitFor(() => health.length > 0, { what: 'a first /health answer' });
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: bodies }, async () => {
        const answer = await fetch(`${host.url}/v1/batch`, { method: 'POST', headers: pipelineAuth, body });
        return { status: answer.status, body: await answer.json() };
      }),
    );
    const attackMs = performance.now() - started;
    // One more /health answer, asked after every body was refused.
    const polled = health.length;
    await waitFor(() => health.length > polled + 1, { what: 'a /health answer after the attack' });
    attacking = false;
    await poll;

    printFigures(`${bodies} concurrent bodies of ${bytes.toLocaleString('en')} bytes of "[" (pipeline key only)`, [
      {
        'attack total (ms)': Math.round(attackMs),
        '/health polls': health.length,
        'max /health latency (ms)': Math.round(Math.max(...health.map((h) => h.ms))),
        '/health not 200': health.filter((h) => h.status !== 200).length,
        'host RSS before (MB)': Math.round(rssBefore),
        'host peak RSS (MB)': Math.round(host.memory().peakMb),
        'host RSS after (MB)': Math.round(host.memory().rssMb),
      },
    ]);
    for (const answer of answers) {
      expect(answer).toEqual({
        status: 400,
        body: { error: { code: 'body_too_deep', message: 'The request body nests deeper than 10000 levels (an event may nest at most 64): nothing of it was read' } },
      });
    }
    expect(health.filter((h) => h.status !== 200)).toEqual([]);
    expect(host.child.exitCode).toBeNull();
  });

  describe('with delivery logs and dead letters to search', () => {
    let sandbox: HeapSandbox;
    let id: string;
    const admin = async (path: string) => {
      const answer = await fetch(`${host.url}${path}`, { headers: adminAuth });
      return { status: answer.status, body: await answer.json() };
    };

    beforeAll(async () => {
      sandbox = await startSandbox();
      const installed = await fetch(`${host.url}/v1/admin/integration-catalog/heap/install`, { method: 'POST', headers: adminAuth, body: JSON.stringify({ config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } }) });
      id = ((await installed.json()) as { id: string }).id;
      sandbox.addFault({ path: '/api/track', idempotency_key: 'poison', status: 400, body: '{"error":"refused"}' });
      const batch = ['kept-1', 'kept-2', 'poison'].map((messageId) => ({ type: 'track', event: 'Searched', userId: 'u-1', messageId, timestamp: TS }));
      await fetch(`${host.url}/v1/batch`, { method: 'POST', headers: pipelineAuth, body: JSON.stringify({ batch }) });
      await waitFor(async () => (await admin(`/v1/admin/integrations/${id}/dead-letters`)).body.data.length === 1, { what: 'a dead letter' });
      await waitFor(async () => (await admin(`/v1/admin/integrations/${id}/delivery-logs`)).body.data.length === 3, { what: 'three delivery logs' });
    });
    afterAll(async () => {
      await fetch(`${host.url}/v1/admin/integrations/${id}`, { method: 'DELETE', headers: { authorization: adminAuth.authorization } });
      await sandbox.stop();
    });

    it('takes SQL metacharacters and prototype keys in every filter and path parameter: normal answers, nothing found, nothing dropped', async () => {
      const values = ["'; DROP TABLE queue; --", "' OR '1'='1", '%', '_', '\\', '__proto__', 'constructor', 'prototype', 'toString'];
      const logs = `/v1/admin/integrations/${id}/delivery-logs`;
      const dead = `/v1/admin/integrations/${id}/dead-letters`;
      const empty = { data: [], next_cursor: null, has_more: false };
      const rows = [];
      for (const value of values) {
        const q = encodeURIComponent(value);
        const found = await Promise.all(['message_id', 'event_name', 'user'].map((filter) => admin(`${logs}?${filter}=${q}`)));
        for (const answer of found) expect(answer).toEqual({ status: 200, body: empty });
        const status = await admin(`${logs}?status=${q}`);
        expect(status).toEqual({
          status: 400,
          body: { error: { code: 'invalid_request', message: 'The request query is invalid: status must be one of delivered, filtered, retryable, failed', fields: [{ field: 'status', message: 'must be one of delivered, filtered, retryable, failed' }] } },
        });
        const cursors = await Promise.all([logs, dead].map((path) => admin(`${path}?cursor=${q}`)));
        for (const answer of cursors) {
          expect(answer).toEqual({ status: 400, body: { error: { code: 'invalid_request', message: 'cursor: must be a cursor from a previous page', fields: [{ field: 'cursor', message: 'is not a cursor from a previous page' }] } } });
        }
        const limits = await Promise.all([logs, dead].map((path) => admin(`${path}?limit=${q}`)));
        for (const answer of limits) {
          expect(answer).toEqual({
            status: 400,
            body: { error: { code: 'invalid_request', message: 'The request query is invalid: limit must be a whole number from 1 to 100', fields: [{ field: 'limit', message: 'must be a whole number from 1 to 100' }] } },
          });
        }
        const integration = await admin(`/v1/admin/integrations/${q}/delivery-logs`);
        expect(integration).toEqual({ status: 404, body: { error: { code: 'not_found', message: `Integration ${value} was not found` } } });
        const event = await admin(`/v1/admin/integrations/${id}/events/${q}`);
        expect(event).toEqual({ status: 404, body: { error: { code: 'not_found', message: `Event ${value} in the delivery logs of integration ${id} was not found` } } });
        rows.push({ value, 'message_id, event_name, user': found.map((a) => `${a.status} ${a.body.data.length}`).join(', '), status: status.status, cursor: cursors.map((a) => a.status).join('/'), limit: limits.map((a) => a.status).join('/'), 'as :id': integration.status, 'as :messageId': event.status });
      }
      // Prototype keys as query keys are ignored: the listing is the unfiltered one.
      const unfiltered = await admin(logs);
      const polluting = await admin(`${logs}?__proto__=x&constructor=y&__proto__[polluted]=1&constructor[prototype][polluted]=1&toString=z`);
      expect(polluting).toEqual(unfiltered);
      rows.push({ value: '__proto__, constructor[prototype] as keys', 'message_id, event_name, user': `${polluting.status} ${polluting.body.data.length} (unfiltered)` });
      printFigures('SQL metacharacters and prototype keys in filters', rows);

      expect(unfiltered.body.data.map((l: { message_id: string }) => l.message_id).sort()).toEqual(['kept-1', 'kept-2', 'poison']);
      expect((await admin(dead)).body.data.map((d: { message_id: string }) => d.message_id)).toEqual(['poison']);
      expect((await fetch(`${host.url}/health`)).status).toBe(200);
    });
  });

  it('serves no file outside the page through traversal of the page routes', async () => {
    const targets = ['/../package.json', '/%2e%2e/package.json', '/%2e%2e%2fpackage.json', '/.%2e/package.json', '/..%2fpackage.json', '/app.js/../../package.json', '/app.js%2f..%2f..%2fpackage.json', '/%2E%2E/%2E%2E/etc/passwd', '//etc/passwd', '/..\\package.json', '/%5c..%5cpackage.json', '/index.html%00.json'];
    const rows = [];
    for (const target of targets) {
      const { socket, answer } = openExchange(host.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const text = await answer;
      socket.destroy();
      const status = text.split('\r\n')[0];
      rows.push({ target, answer: status });
      expect([target, status]).toEqual([target, 'HTTP/1.1 404 Not Found']);
      expect(text).toContain('"code":"not_found"');
      expect(text).not.toContain('@datafly/heap-integration');
      expect(text).not.toContain('root:');
    }
    printFigures('Path traversal on the page routes', rows);
    expect((await fetch(`${host.url}/js/main.js`)).status).toBe(200);
  });

  it('answers 413 naming the bound to a body past it, with or without a Content-Length, and keeps serving', async () => {
    const bound = 5 * 1024 * 1024;
    const tooLarge = { error: { code: 'payload_too_large', message: `The request body is larger than ${bound} bytes (DATAFLY_MAX_BODY_BYTES); send fewer events per request` } };
    const rows = [];
    for (let round = 0; round < 3; round++) {
      // fetch keeps sending the whole body and reads the answer after: it sees the 413 only if the host reads the rest.
      const declared = await fetch(`${host.url}/v1/batch`, { method: 'POST', headers: pipelineAuth, body: Buffer.alloc(bound + 1, ' ') });
      let left = 6;
      const chunked = await fetch(`${host.url}/v1/batch`, {
        method: 'POST',
        headers: pipelineAuth,
        duplex: 'half',
        body: new ReadableStream({
          pull(controller) {
            controller.enqueue(Buffer.alloc(1024 * 1024, ' '));
            if (--left === 0) controller.close();
          },
        }),
      } as RequestInit);
      rows.push({ round, 'Content-Length: 5 MiB + 1': declared.status, 'chunked, 6 MiB': chunked.status });
      expect([declared.status, await declared.json()]).toEqual([413, tooLarge]);
      expect([chunked.status, await chunked.json()]).toEqual([413, tooLarge]);
    }
    printFigures('Bodies past DATAFLY_MAX_BODY_BYTES, sent whole by fetch', rows);
    const after = await fetch(`${host.url}/v1/t`, { method: 'POST', headers: pipelineAuth, body: JSON.stringify({ event: 'After 413', userId: 'u' }) });
    expect(after.status).toBe(200);
  });

  it('keeps serving while more clients than it reads bodies at once stop mid-body; each stalled body gets 408 and its connection closed', async () => {
    const stallDir = mkdtempSync(join(tmpdir(), 'datafly-hostile-stall-'));
    const host = await startHostProcess(stallDir, { DATAFLY_BODY_TIMEOUT_MS: String(STALL_TIMEOUT_MS), DATAFLY_MAX_CONCURRENT_BODIES: String(CONCURRENT_BODIES) });
    try {
      await stallingClients(host);
    } finally {
      await host.stop();
      rmSync(stallDir, { recursive: true, force: true });
    }
  });
});

async function stallingClients(host: NodeProcess): Promise<void> {
  const stalled = Array.from({ length: CONCURRENT_BODIES + 2 }, () =>
    openExchange(host.url, `POST /v1/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${PROCESS_TOKENS.pipeline}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"batch": [{"type": "track", `),
  );
  // Every stalled request's head and partial body have left for the host before the others are asked.
  await Promise.all(stalled.map((s) => s.sent));
  const healthStarted = performance.now();
  const health = await fetch(`${host.url}/health`);
  const healthMs = performance.now() - healthStarted;
  const started = performance.now();
  const ingested = await fetch(`${host.url}/v1/t`, { method: 'POST', headers: pipelineAuth, body: JSON.stringify({ event: 'Beside The Stalled', userId: 'u', timestamp: TS }) });
  const ingestMs = performance.now() - started;
  const answers = await Promise.all(stalled.map((s) => s.answer));
  printFigures('Slow loris: clients that stop mid-body', [
    {
      'stalled bodies': stalled.length,
      'bodies read at once': CONCURRENT_BODIES,
      'DATAFLY_BODY_TIMEOUT_MS': STALL_TIMEOUT_MS,
      '/health (ms)': Math.round(healthMs),
      'a valid event beside them (ms)': Math.round(ingestMs),
      'stalled answered 408': answers.filter((a) => a.startsWith('HTTP/1.1 408 ')).length,
    },
  ]);
  expect(health.status).toBe(200);
  expect(ingested.status).toBe(200);
  for (const answer of answers) {
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(answer.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe(
      JSON.stringify({ error: { code: 'body_timeout', message: `The request body did not arrive within ${STALL_TIMEOUT_MS} ms (DATAFLY_BODY_TIMEOUT_MS): nothing of this request was accepted; send it again` } }),
    );
  }
  expect(host.child.exitCode).toBeNull();
}
