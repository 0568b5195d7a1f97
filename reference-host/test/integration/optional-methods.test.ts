import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../helpers/conditions.js';
import { startCaptureServer, TS } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { bareWebhookModule } from '../helpers/webhook-plugin.js';

/**
 * A plugin whose adapters have none of the contract's optional methods (no connection test, no rate
 * limit key): the host says so where it matters and does the sensible thing without them.
 */
describe('a plugin without testConnection or rateLimitKey, and what the API documents of the neutral contract', () => {
  let receiver: Awaited<ReturnType<typeof startCaptureServer>>;
  let host: TestHost;
  let id: string;

  beforeAll(async () => {
    receiver = await startCaptureServer({ status: 204, body: '' });
    host = await startTestHost({}, { modules: [bareWebhookModule] });
    const installed = await host.call('POST', '/v1/admin/integration-catalog/bare-webhook/install', { config: { url: `${receiver.url}/hook`, secret: 'whsec_bare_5e7a1c' } });
    expect(installed.status).toBe(201);
    id = installed.body.id;
    // The install's credentials check cannot ask the vendor: it says so, and delivery runs.
    expect([installed.body.credentials_check, installed.body.connection_test, installed.body.delivery]).toEqual([
      { state: 'unverified', message: 'this integration offers no connection test' },
      false,
      { state: 'running' },
    ]);
  });
  afterAll(async () => {
    await host?.cleanup();
    await receiver?.stop();
  });

  it('test-connection answers 409: the plugin offers no test, nothing was checked', async () => {
    const answer = await host.call('POST', `/v1/admin/integrations/${id}/test-connection`);
    expect([answer.status, answer.body]).toEqual([409, { error: { code: 'unsupported', message: 'This integration offers no connection test: its plugin has none, so nothing was checked' } }]);
    expect((await host.call('GET', `/v1/admin/integrations/${id}`)).body.connection_test).toBe(false);
    expect(receiver.captured).toEqual([]);
  });

  it('counts its app-wide limit in one bucket the host keys itself, read back by the overview', async () => {
    const events = ['bare-1', 'bare-2', 'bare-3'].map((messageId) => ({ type: 'track', event: 'Order Completed', userId: 'user-1', messageId, timestamp: TS }));
    expect((await host.call('POST', '/v1/batch', { batch: events }, host.pipelineKey)).body).toMatchObject({ accepted: 3 });
    await waitFor(() => receiver.captured.length === 3, { what: 'three webhook calls' });
    const overview = (await host.call('GET', `/v1/admin/integrations/${id}/overview`)).body;
    expect(overview.rate_limits).toEqual([
      { name: 'calls_per_account', description: 'Calls per day', scope: 'app', unit: 'events', limit: 500, window_ms: expect.any(Number), available: expect.any(Number), used_fraction: expect.any(Number) },
    ]);
    // Counted under the host's shared key (a day's window refills a token in minutes); without a key it would be null.
    expect(overview.rate_limits[0].available).toBeGreaterThanOrEqual(497);
    expect(overview.rate_limits[0].available).toBeLessThan(500);
  });

  it('the OpenAPI document shows the summary and connection_test of an integration, and user_ids with identities deprecated', async () => {
    const doc = (await (await fetch(`${host.url}/v1/openapi.json`)).json()) as { components: { schemas: Record<string, { properties: Record<string, { deprecated?: boolean; $ref?: string }>; required?: string[] }> } };
    const { Integration, InstallationSummary, UserDeletionRequest } = doc.components.schemas;
    expect([Integration.properties.summary.$ref, Integration.properties.connection_test, Integration.required]).toEqual([
      '#/components/schemas/InstallationSummary',
      expect.objectContaining({ type: 'boolean' }),
      expect.arrayContaining(['summary', 'connection_test']),
    ]);
    expect(Object.keys(InstallationSummary.properties)).toEqual(['facts', 'destination', 'help', 'allowance', 'endpoint']);
    expect([UserDeletionRequest.properties.user_ids.deprecated, UserDeletionRequest.properties.identities.deprecated]).toEqual([undefined, true]);
  });
});
