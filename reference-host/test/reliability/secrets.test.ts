import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/conditions.js';
import { APP_ID, startSandbox } from '../helpers/heap.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { startTestHost } from '../helpers/host.js';

/**
 * One whole run (install, test-connection with a right and a wrong key, deliveries through faults,
 * bad requests) and then a search for the API key everywhere it must never be.
 */
const KEY = 'hk_live_5f2a9c7e1d3b4a6f8e0c';
const WRONG = 'hk_live_wrong_00c0ffee00';

describe.each(ENGINES)('secrets never leak on %s', (engine: EngineName) => {
  it('the api_key is in no log line, API answer, delivery log, error message, stored row, database file or page', async () => {
    const sandbox = await startSandbox({ credentials: [{ app_id: APP_ID, api_key: KEY }] });
    const host = await startTestHost({}, { engine });
    const answers: string[] = [];
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const answer = await host.call(method, path, body, token);
      answers.push(`${method} ${path} → ${answer.status} ${answer.text}`);
      return answer;
    };
    try {
      const installed = await call('POST', '/v1/admin/integration-catalog/heap/install', { name: 'Heap', variant: 'default', config: { app_id: APP_ID, api_key: KEY, endpoint: sandbox.url }, delivery_mode: 'server_side' });
      const id = installed.body.id;
      await call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: KEY, api_key: KEY } });
      await call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: KEY, region: KEY, endpoint: `http://${KEY}.example.com` } });
      expect((await call('POST', `/v1/admin/integrations/${id}/test-connection`)).body.ok).toBe(true);
      await call('PATCH', `/v1/admin/integrations/${id}`, { config: { api_key: WRONG } });
      expect((await call('POST', `/v1/admin/integrations/${id}/test-connection`)).body.code).toBe('invalid_credentials');
      await call('PATCH', `/v1/admin/integrations/${id}`, { config: { api_key: KEY } });

      // Heap answering with the key in its body (it never receives it with events, but a proxy might echo it).
      sandbox.addFault({ path: '/api/track', status: 500, count: 1, body: `{"error":"upstream said ${KEY}"}` });
      sandbox.addFault({ path: '/api/track', status: 400, idempotency_key: 'leak-bad', body: `{"error":"bad event for key ${KEY}"}` });
      const batch = [
        { type: 'track', event: 'Leak Check', userId: 'u-1', messageId: 'leak-1' },
        { type: 'track', event: 'Leak Check', userId: 'u-2', messageId: 'leak-bad' },
      ];
      await call('POST', '/v1/batch', { batch }, host.pipelineKey);
      await waitFor(() => sandbox.recordedEvents().some((e) => e.idempotency_key === 'leak-1'), { what: 'leak-1 at Heap' });
      await host.delivery.drained();
      // A 401 pauses delivery (the message names the app, never the key); a passing connection test resumes it.
      sandbox.addFault({ path: '/api/add_user_properties', status: 401, count: 1, body: `{"error":"no such key ${KEY}"}` });
      await call('POST', '/v1/i', { userId: 'u-1', anonymousId: 'a-1', messageId: 'leak-id', traits: { plan: 'pro' } }, host.pipelineKey);
      await waitFor(async () => (await call('GET', `/v1/admin/integrations/${id}`)).body.delivery.state === 'paused', { what: 'a pause' });
      expect((await call('POST', `/v1/admin/integrations/${id}/test-connection`)).body).toMatchObject({ ok: true, resumed: true });
      await waitFor(() => sandbox.userProperties(APP_ID, 'u-1')?.plan === 'pro', { what: 'the identify delivered after the resume' });
      await host.delivery.drained();

      for (const path of [
        '/v1/admin/integration-catalog',
        '/v1/admin/integration-catalog/heap',
        '/v1/admin/integrations',
        `/v1/admin/integrations/${id}`,
        `/v1/admin/integrations/${id}/revisions`,
        `/v1/admin/integrations/${id}/delivery-logs?limit=100`,
        `/v1/admin/integrations/${id}/dead-letters`,
        '/metrics',
        '/health',
        '/',
        '/js/main.js',
      ]) {
        await call('GET', path);
      }
      const logs = (await host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?limit=100`)).body.data;
      expect(logs.map((l: { response: string | null }) => l.response)).toContain('{"error":"upstream said [redacted]"}');
      expect(logs.map((l: { message: string | null }) => l.message)).toContain('Heap rejected the request (400): bad event for key [redacted]');

      // Every table the host keeps, whole.
      const tables = ['integrations', 'revisions', 'integration_status', 'queue', 'delivery_logs', 'delivery_counts', 'rate_limit_buckets', 'user_deletions'] as const;
      const rows = JSON.stringify(await Promise.all(tables.map((t) => host.store.db.selectFrom(t).selectAll().execute())));
      const files = ['host.sqlite', 'host.sqlite-wal', 'host.sqlite-shm'].map((f) => join(host.dataDir, f)).filter((f) => existsSync(f)).map((f) => readFileSync(f));
      const places: [string, string | Buffer][] = [
        ['log lines', host.logLines.join('')],
        ['API answers', answers.join('\n')],
        ['stored rows', rows],
        ...files.map((f, i): [string, Buffer] => [`SQLite file ${i}`, f]),
      ];
      expect(host.logLines.length).toBeGreaterThan(20);
      expect(answers.length).toBeGreaterThan(15);
      for (const [place, text] of places) {
        for (const secret of [KEY, WRONG]) expect([place, text.includes(secret)]).toEqual([place, false]);
      }
    } finally {
      await host.cleanup();
      await sandbox.stop();
    }
  });
});
