import { describe, expect, it } from '@jest/globals';
import { WARNING_CODES } from '@datafly/heap-integration/contract';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, type EngineName } from '../helpers/engines.js';
import { API_KEY, APP_ID } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';
import { demoWithMalformed, EXPECTED_KINDS } from '../helpers/malformed-events.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(ENGINES)('the data-quality view on %s', (engine: EngineName) => {
  let host: TestHost;
  let sandbox: HeapSandbox;
  hostOverSandbox(engine, {}, (started) => ({ host, sandbox } = started));

  const install = async () => (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;

  it('answers the warnings of the demo and a few malformed events by kind, event and property, with sample messageIds, and counts them per code in the metrics', async () => {
    const id = await install();
    const empty = (await host.call('GET', `/v1/admin/integrations/${id}/data-quality`)).body;
    expect(empty).toMatchObject({ total: 0, kinds: [] });

    const sent = await host.call('POST', '/v1/batch', { batch: demoWithMalformed(Date.now()) }, host.pipelineKey);
    expect(sent.status).toBe(200);
    await host.delivery.drained();

    const answer = await host.call('GET', `/v1/admin/integrations/${id}/data-quality`);
    expect(answer.status).toBe(200);
    const { generated_at, from, to, total, kinds } = answer.body;
    expect(kinds).toEqual(EXPECTED_KINDS.map((k) => ({ ...k, description: WARNING_CODES[k.code as keyof typeof WARNING_CODES] })));
    expect(total).toBe(6);
    expect(to).toBe(generated_at);
    expect(Date.parse(from)).toBe(Math.floor(Date.parse(to) / HOUR) * HOUR - 23 * HOUR);

    // A sample opens the event's path, with the warning the count came from.
    const trace = (await host.call('GET', `/v1/admin/integrations/${id}/events/dq-long`)).body;
    expect(trace.attempts[0].warnings).toEqual(['truncated property "gift_note" from 1500 to 1023 characters (Heap takes fewer than 1024 characters in a value)']);

    const metrics = (await host.call('GET', '/metrics')).text;
    for (const kind of EXPECTED_KINDS) expect(metrics).toContain(`datafly_event_warnings_total{integration="${id}",code="${kind.code}"} ${kind.count}`);
  });

  it('goes with the delivery logs past their retention, when a host starts', async () => {
    const first = await startTestHost({ logRetentionDays: 2 }, { engine });
    try {
      const own = (await first.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;
      await first.call('POST', '/v1/batch', { batch: demoWithMalformed(Date.now()) }, first.pipelineKey);
      await first.delivery.drained();
      expect((await first.store.quality.since(own, 0)).length).toBeGreaterThan(0);
      await first.stop();
      // The same data three days on: the start's sweep removes the logs and their counts.
      const later = await startTestHost({ logRetentionDays: 2, clock: () => Date.now() + 3 * DAY }, { engine, place: first.place });
      try {
        expect(await later.store.quality.since(own, 0)).toEqual([]);
        expect((await later.store.logs.page(own, { limit: 1 })).rows).toEqual([]);
      } finally {
        await later.stop();
      }
    } finally {
      await first.cleanup();
    }
  });

  it('answers 404 for an integration that does not exist, and is in the OpenAPI document', async () => {
    const missing = await host.call('GET', '/v1/admin/integrations/int_nope/data-quality');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const document = (await host.call('GET', '/v1/openapi.json')).body;
    expect(document.paths['/v1/admin/integrations/{id}/data-quality'].get.responses['200']).toBeDefined();
  });
});
