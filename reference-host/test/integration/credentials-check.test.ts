import { describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { waitFor } from '../helpers/conditions.js';
import { API_KEY, APP_ID, TS } from '../helpers/heap.js';
import type { TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';

/** An install or a config change asks Heap about the credentials at once (through the sandbox, which checks them as Heap does). */
describe.each(ENGINES)('credentials checked at install and on a config change, on %s (judged by our Heap sandbox)', (engine: EngineName) => {
  let host: TestHost;
  let sandbox: HeapSandbox;
  hostOverSandbox(engine, { rateLimits: false }, (started) => ({ host, sandbox } = started));

  const install = (config: Record<string, unknown>) => host.call('POST', '/v1/admin/integration-catalog/heap/install', { config });
  const send = (messageId: string) => host.call('POST', '/v1/t', { event: 'Checked', userId: 'u-1', messageId, timestamp: TS }, host.pipelineKey);

  it('a wrong API key installs paused with Heap\'s answer, holds the events, and a corrected key resumes and delivers them', async () => {
    const installed = await install({ app_id: APP_ID, api_key: 'not-the-key', endpoint: sandbox.url });
    expect(installed.status).toBe(201);
    expect(installed.body.credentials_check).toEqual({ state: 'failed', code: 'invalid_credentials', message: expect.stringMatching(/^Invalid App ID or API key: Heap answered 401 for app 1234567890/), http_status: 401 });
    expect(installed.body.delivery).toMatchObject({ state: 'paused', code: 'invalid_credentials' });
    const id = installed.body.id as string;
    expect((await host.call('GET', `/v1/admin/integrations/${id}`)).body.delivery.state).toBe('paused');
    expect(JSON.stringify(installed.body)).not.toContain('not-the-key');

    expect((await send('held-1')).body.queued_for_integrations).toBe(1);
    const fixed = await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { api_key: API_KEY } });
    expect(fixed.body.credentials_check).toMatchObject({ state: 'passed' });
    expect(fixed.body.delivery).toEqual({ state: 'running' });
    await waitFor(() => sandbox.recordedEvents().some((e) => e.idempotency_key === 'held-1'), { what: 'the held event at Heap' });
  });

  it('a key that stops working on a config change pauses at once; a rename asks nothing', async () => {
    const id = (await install({ app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url })).body.id as string;
    const renamed = await host.call('PATCH', `/v1/admin/integrations/${id}`, { name: 'Renamed' });
    expect(renamed.body.credentials_check).toBeUndefined();
    const broken = await host.call('PATCH', `/v1/admin/integrations/${id}`, { config: { api_key: 'revoked-key' } });
    expect(broken.body).toMatchObject({ credentials_check: { state: 'failed', code: 'invalid_credentials' }, delivery: { state: 'paused', code: 'invalid_credentials' } });
  });

  it('a connection test that Heap refuses pauses a running integration, and the badge says so', async () => {
    const id = (await install({ app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url })).body.id as string;
    sandbox.addFault({ path: '/api/public/v0/auth_token', status: 401 });
    const tested = await host.call('POST', `/v1/admin/integrations/${id}/test-connection`);
    expect(tested.body).toMatchObject({ ok: false, code: 'invalid_credentials', paused: true });
    expect((await host.call('GET', `/v1/admin/integrations/${id}`)).body.delivery).toMatchObject({ state: 'paused', code: 'invalid_credentials' });
    sandbox.clearFaults();
    expect((await host.call('POST', `/v1/admin/integrations/${id}/test-connection`)).body).toMatchObject({ ok: true, resumed: true });
  });

  it('an unreachable Heap never blocks the install: it runs, marked unverified', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const installed = await install({ app_id: APP_ID, api_key: API_KEY, endpoint: `http://127.0.0.1:${port}` });
    expect(installed.status).toBe(201);
    expect(installed.body.credentials_check).toMatchObject({ state: 'unverified', code: 'network_error' });
    expect(installed.body.delivery).toEqual({ state: 'running' });
  });
});
