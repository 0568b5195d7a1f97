import { describe, expect, it } from '@jest/globals';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { API_KEY, APP_ID } from '../helpers/heap.js';
import type { TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';

/** What a request names but the host would not keep is refused in words, never dropped quietly. */
describe('nothing named in a request is dropped without a word', () => {
  let host: TestHost;
  let sandbox: HeapSandbox;
  hostOverSandbox('sqlite', { rateLimits: false }, (started) => ({ host, sandbox } = started));

  // Written as text: an object literal's __proto__ would set a prototype, not send the key.
  const raw = (method: string, path: string, json: string) =>
    fetch(`${host.url}${path}`, { method, headers: { authorization: `Bearer ${host.adminToken}`, 'content-type': 'application/json' }, body: json }).then(async (r) => ({ status: r.status, body: await r.json() }));

  it('config.__proto__ is named as not a field, at install and in an edit, and nothing is saved', async () => {
    const config = `{"app_id": "${APP_ID}", "api_key": "${API_KEY}", "endpoint": "${sandbox.url}", "__proto__": {"region": "eu"}}`;
    const installed = await raw('POST', '/v1/admin/integration-catalog/heap/install', `{"config": ${config}}`);
    expect(installed.status).toBe(400);
    expect(installed.body.error.fields).toEqual([{ field: 'config.__proto__', message: 'is not a known field' }]);
    expect((await host.call('GET', '/v1/admin/integrations')).body.data).toEqual([]);

    const id = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id;
    const edited = await raw('PATCH', `/v1/admin/integrations/${id}`, '{"config": {"__proto__": {"region": "eu"}}}');
    expect(edited.status).toBe(400);
    expect(edited.body.error.fields).toEqual([{ field: 'config.__proto__', message: 'is not a known field' }]);
    expect((await host.call('GET', `/v1/admin/integrations/${id}`)).body.revision).toBe(1);
  });

  it('a deletion naming a placeholder for no user is refused, naming it; nothing is deleted', async () => {
    const id = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id;
    const asked = await host.call('POST', `/v1/admin/integrations/${id}/user-deletions`, { user_ids: ['user-1', 'null'], anonymous_ids: ['undefined'] });
    expect(asked.status).toBe(400);
    expect(asked.body.error.fields).toEqual([
      { field: 'user_ids.1', message: '"null" is a placeholder for no user, not an id: no event was ever sent under it, so there is nothing to delete' },
      { field: 'anonymous_ids.0', message: '"undefined" is a placeholder for no user, not an id: no event was ever sent under it, so there is nothing to delete' },
    ]);
    expect((await host.call('GET', `/v1/admin/integrations/${id}/user-deletions`)).body.data).toEqual([]);
  });

  it('a user named many times in one deletion is one user', async () => {
    const id = (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id;
    const asked = await host.call('POST', `/v1/admin/integrations/${id}/user-deletions`, { user_ids: Array.from({ length: 1000 }, () => 'user-1'), anonymous_ids: ['anon-1', 'anon-1'] });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ users: 2, user_ids: 1, anonymous_ids: 1 });
  });
});
