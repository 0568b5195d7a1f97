import { describe, expect, it } from '@jest/globals';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { API_KEY, APP_ID } from '../helpers/heap.js';
import type { TestHost } from '../helpers/host.js';
import { hostOverSandbox } from '../helpers/host-over-sandbox.js';

const base = { version: 2, delivery_mode: 'server_side', defaults: { action: 'passthrough', mappings: [{ source: 'properties', target: '*' }] } };
/** A JSON value nested `depth` objects deep, as text: JSON.stringify itself could not write it. */
const nested = (depth: number) => `${'{"v":'.repeat(depth)}"deep"${'}'.repeat(depth)}`;
/** `blueprint` as JSON with a mapping value nested `depth` deep in its global mappings. */
const withDeepValue = (blueprint: object, depth: number) => JSON.stringify({ ...blueprint, global: { mappings: [{ value: '@', target: 'x' }] } }).replace('"@"', nested(depth));

/** A blueprint runs on every event of a rule, on the host's thread: its size, depth and mappings are bounded, and so is a preview's work. */
describe('blueprints and previews are bounded', () => {
  let host: TestHost;
  let sandbox: HeapSandbox;
  hostOverSandbox('sqlite', { rateLimits: false }, (started) => ({ host, sandbox } = started));

  const install = async () => (await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } })).body.id as string;

  it('refuses a blueprint nested thousands deep, too large, or with too many mappings per event, naming the limit; nothing is saved', async () => {
    const id = await install();
    const patch = (blueprint: unknown) => host.call('PATCH', `/v1/admin/integrations/${id}`, { blueprint });

    const deep = await host.call('PATCH', `/v1/admin/integrations/${id}`, `{"blueprint": ${withDeepValue(base, 5000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body.error.fields).toEqual([{ field: 'blueprint.global.mappings.0', message: 'nests deeper than 32 levels, the most a blueprint may' }]);

    const oversized = { ...base, description: 'd'.repeat(300_000) };
    const large = await patch(oversized);
    expect(large.status).toBe(400);
    expect(large.body.error.fields).toEqual([{ field: 'blueprint', message: `is ${Buffer.byteLength(JSON.stringify(oversized)).toLocaleString('en-US')} bytes as JSON; a blueprint may be at most 262,144` }]);

    const many = Array.from({ length: 150 }, (_, i) => ({ source: `properties.p${i}`, target: `p${i}`, transform: 'sha256' }));
    const crowded = await patch({ ...base, global: { mappings: many }, events: { Signup: { mappings: many } } });
    expect(crowded.status).toBe(400);
    expect(crowded.body.error.fields).toEqual([{ field: 'blueprint.events.Signup.mappings', message: 'with global.mappings makes 300 mappings for one event; at most 200' }]);

    expect((await host.call('GET', `/v1/admin/integrations/${id}`)).body.revision).toBe(1);
  });

  it('refuses a preview whose mapping work is past its bound, and one under a hostile blueprint, in one answer each', async () => {
    const id = await install();
    const preview = (body: unknown) => host.call('POST', `/v1/admin/integrations/${id}/preview`, body);
    const event = (i: number) => ({ type: 'track', event: 'Big', userId: 'u', messageId: `big-${i}`, properties: { text: 'x'.repeat(40_000) } });
    const lowercaseAll = { ...base, global: { mappings: Array.from({ length: 100 }, (_, i) => ({ source: 'properties', target: `copy${i}`, transform: 'lowercase' })) } };

    const heavy = await preview({ events: Array.from({ length: 100 }, (_, i) => event(i)), blueprint: lowercaseAll });
    expect(heavy.status).toBe(400);
    expect(heavy.body.error.fields).toEqual([{ field: 'events', message: expect.stringMatching(/^would run 38[0-9.]+ MiB of event data through the blueprint's mappings .*a preview may run 32\.0 MiB: preview fewer or smaller events$/) }]);

    const deep = await host.call('POST', `/v1/admin/integrations/${id}/preview`, `{"events": [${JSON.stringify(event(0))}], "blueprint": ${withDeepValue(base, 5000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.body.error.fields[0]).toMatchObject({ field: 'blueprint.global.mappings.0' });

    const fine = await preview({ events: [event(0)], blueprint: lowercaseAll });
    expect(fine.status).toBe(200);
  });
});
