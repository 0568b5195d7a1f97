import 'reflect-metadata';
import { Container } from 'inversify';
import { heapModule } from '@datafly/heap-integration';
import { INTEGRATION_PLUGIN, type DataflyEvent, type IntegrationPlugin } from '@datafly/heap-integration/contract';

const container = new Container();
container.load(heapModule /*, otherVendorModule, ... */);
const plugins = container.getAll<IntegrationPlugin>(INTEGRATION_PLUGIN);

const heap = plugins.find((p) => p.manifest.key === 'heap');
if (!heap) throw new Error('no Heap plugin was bound');
// HEAP_ENDPOINT is for a proxy or the sandbox; left out, the region's Heap hosts are used.
const config = heap.configSchema.parse({ app_id: process.env.HEAP_APP_ID, api_key: process.env.HEAP_API_KEY, endpoint: process.env.HEAP_ENDPOINT });
const blueprint = heap.defaultBlueprint();
heap.blueprintOptionsSchema.parse(blueprint.options); // a host checks blueprints as data
const adapter = heap.createAdapter({ integrationId: 'int_1', config, blueprint });

const events: DataflyEvent[] = [
  { type: 'track', event: 'Order Completed', messageId: 'msg-1', userId: 'user-1', timestamp: new Date().toISOString(), properties: { revenue: 42.5, products: [{ sku: 'A-1' }] } },
  { type: 'identify', messageId: 'msg-2', userId: 'user-1', anonymousId: 'anon-1', timestamp: new Date().toISOString(), traits: { plan: 'pro' } },
];

const connection = await adapter.testConnection?.(); // optional in the contract; Heap's checks app_id + api_key with auth_token
const preview = adapter.preview(events); // the exact requests deliver() would send, without sending
const results = await adapter.deliver(events); // one DeliveryResult per event, same order
// { messageId, status: 'delivered' | 'filtered' | 'retryable' | 'failed', httpStatus?, code?, message?,
//   retryAfterMs?, warnings, warningKinds?: [{ code, property? }], response?, requests?, calls?: [{ method, url, body, items }] }
const bucket = adapter.rateLimitKey?.(heap.manifest.rate_limits[0], events[0]); // optional: which bucket of a manifest limit an event counts against

// Optional capabilities: the manifest declares them, the plugin has the matching method (hosts check they agree).
const deletions: string[] = [];
if (heap.manifest.capabilities.includes('user_deletion') && heap.createUserDeletion) {
  const deletion = heap.createUserDeletion({ integrationId: 'int_1', config, blueprint });
  for (const part of await deletion.deleteUsers({ userIds: ['user-1'], anonymousIds: ['anon-1'] })) {
    if (part.ok) deletions.push(`${part.users} user(s): ${(await deletion.deletionStatus(part.requestId)).status}`);
    else deletions.push(`${part.users} user(s) not deleted: ${part.code}, ${part.message}`);
  }
  await deletion.close();
}
await adapter.close();

console.log(JSON.stringify({ connection, requests: preview.requests.map((r) => r.url), results: results.map((r) => r.status), bucket, deletions }));
