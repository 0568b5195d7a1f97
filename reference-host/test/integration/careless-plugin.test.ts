import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '../helpers/conditions.js';
import { startCaptureServer, TS } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { carelessWebhookModule } from '../helpers/webhook-plugin.js';

const SECRET = 'whsec_careless_93b7f2';

/**
 * A plugin whose preview fails with its secret in the error. The host shows that a preview failed,
 * where it shows it (the blueprint tester, a delivered event's trace), never the secret.
 */
describe('a plugin that puts its secret in an error', () => {
  let receiver: Awaited<ReturnType<typeof startCaptureServer>>;
  let host: TestHost;
  let id: string;

  beforeAll(async () => {
    receiver = await startCaptureServer({ status: 204, body: '' });
    host = await startTestHost({ rateLimits: false }, { modules: [carelessWebhookModule] });
    const installed = await host.call('POST', '/v1/admin/integration-catalog/careless-webhook/install', { config: { url: `${receiver.url}/hook`, secret: SECRET } });
    expect(installed.status).toBe(201);
    id = installed.body.id;
  });
  afterAll(async () => {
    await host?.cleanup();
    await receiver?.stop();
  });

  it("a delivered event's trace says its requests could not be recomputed, the plugin's words kept and the secret not", async () => {
    const event = { type: 'track', event: 'Order Completed', userId: 'user-1', messageId: 'careless-1', timestamp: TS, properties: { order_id: 7 } };
    expect((await host.call('POST', '/v1/batch', { batch: [event] }, host.pipelineKey)).body).toMatchObject({ accepted: 1 });
    await waitFor(() => receiver.captured.some((r) => r.method === 'POST'), { what: 'the webhook call' });
    await host.delivery.drained();

    const trace = await host.call('GET', `/v1/admin/integrations/${id}/events/careless-1`);
    expect(trace.status).toBe(200);
    expect(trace.body).toMatchObject({ calls: [], calls_source: 'recomputed', calls_revision: 1, attempts: [{ status: 'delivered' }] });
    expect(trace.body.calls_note).toMatch(/^the plugin could not recompute the requests under revision 1: .*cannot sign a preview with the secret /);
    expect(trace.text).not.toContain(SECRET);
  });

  it('the blueprint tester answers 500 with no word of the plugin’s, and the log line that says why carries no secret', async () => {
    const answer = await host.call('POST', `/v1/admin/integrations/${id}/preview`, { events: [{ type: 'track', event: 'Signed Up', userId: 'user-2' }] });
    expect([answer.status, answer.body.error.code]).toEqual([500, 'internal_error']);
    expect(answer.text).not.toContain(SECRET);
    await waitFor(() => host.logLines.some((line) => line.includes('cannot sign a preview')), { what: 'the failure in the log' });
    expect(host.logLines.join('')).not.toContain(SECRET);
  });
});
