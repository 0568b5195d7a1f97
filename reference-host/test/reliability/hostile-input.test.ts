import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { heapOptions } from '../../../src/heap/blueprint-options.js';
import { prepareEvent } from '../../../src/heap/prepare.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { checkAccountProperties, checkMerge, checkTrackEvent, checkUserProperties } from '../../src/sandbox/validate.js';
import { waitFor } from '../helpers/conditions.js';
import { FULL_SCALE } from '../helpers/figures.js';
import { API_KEY, APP_ID, heapPlugin, startSandbox } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';

/**
 * Hostile input, generated: whatever arrives, every item gets a clear answer naming the field, the
 * process neither crashes nor hangs, valid neighbours still go through, and nothing the plugin sends
 * is a request Heap's documented checks (the sandbox's own validators) would refuse.
 */
const RUNS = FULL_SCALE ? 2000 : 300;
const plugin = heapPlugin();
const blueprint = plugin.defaultBlueprint();
const options = heapOptions(blueprint);

/** Any JS value, strings with lone surrogates included, objects with prototype-pollution keys. */
const hostileValue = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withDate: true,
  withNullPrototype: true,
  withBoxedValues: true,
  stringUnit: 'binary',
  key: fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'ID', 'email', '', 'k'.repeat(1100))),
  values: [fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 'x'.repeat(5000)), fc.string({ unit: 'binary' })],
});

const hostileEvent = fc.record(
  {
    type: fc.oneof(fc.constantFrom('track', 'page', 'identify', 'group', 'alias', ''), hostileValue),
    event: fc.oneof(fc.string({ unit: 'binary' }), fc.constant('e'.repeat(1100)), hostileValue),
    name: hostileValue,
    userId: fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('null', 'undefined', '', 'u'.repeat(300)), fc.double(), hostileValue),
    anonymousId: fc.oneof(fc.string({ unit: 'binary' }), hostileValue),
    groupId: hostileValue,
    properties: hostileValue,
    traits: hostileValue,
    context: hostileValue,
    messageId: fc.oneof(fc.uuid(), hostileValue),
    timestamp: fc.oneof(fc.constantFrom('2026-02-25T14:30:00Z', '+275760-09-13T00:00:00.000Z', '0000-01-01T00:00:00Z', 'not a date', ''), fc.date({ noInvalidDate: false }), hostileValue),
  },
  { requiredKeys: [] },
);

describe('hostile input to the adapter', () => {
  it('every event gets a result; what is sent passes Heap’s documented checks; Object.prototype stays clean', () => {
    fc.assert(
      fc.property(hostileEvent, (event) => {
        const prepared = prepareEvent(event, blueprint, options);
        if (prepared.kind === 'done') {
          const { result } = prepared;
          expect(['failed', 'filtered']).toContain(result.status);
          if (result.status === 'failed') expect(result.message).toMatch(/^(messageId|type|event|userId|anonymousId|groupId): /);
          return;
        }
        for (const part of prepared.parts) {
          // Round-trip through JSON, as the wire does, then apply the sandbox's validators.
          const wire = JSON.parse(JSON.stringify(part.kind === 'merge' ? part.body : part.item));
          if (part.kind === 'track') checkTrackEvent(wire, '');
          if (part.kind === 'user') checkUserProperties(wire, '');
          if (part.kind === 'account') checkAccountProperties(wire, '');
          if (part.kind === 'merge') checkMerge(wire);
        }
      }),
      { numRuns: RUNS, seed: 20261128 },
    );
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile input to ingestion', () => {
  let sandbox: HeapSandbox;
  let host: TestHost;
  beforeAll(async () => {
    sandbox = await startSandbox();
    host = await startTestHost({ maxBodyBytes: 2 * 1024 * 1024 });
    await host.call('POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url } });
  });
  afterAll(async () => {
    await host.cleanup();
    await sandbox.stop();
  });

  const good = (n: number) => ({ type: 'track', event: 'Neighbour', userId: `u-${n}`, messageId: `good-${n}` });

  it('answers arbitrary JSON per item, naming the field, and still accepts the valid neighbours', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 5 }), { minLength: 1, maxLength: 5 }), async (junk) => {
        const id = n++;
        const answer = await host.call('POST', '/v1/batch', { batch: [good(id), ...junk] }, host.pipelineKey);
        expect(answer.status).toBe(200);
        expect(answer.body.events[0]).toEqual({ index: 0, messageId: `good-${id}` });
        for (const rejection of answer.body.rejected) {
          expect(rejection.index).toBeGreaterThan(0);
          expect(rejection.field).toMatch(new RegExp(`^batch\\.${rejection.index}(\\.|$)`));
          expect(typeof rejection.reason).toBe('string');
        }
        expect(answer.body.accepted + new Set(answer.body.rejected.map((r: { index: number }) => r.index)).size).toBe(junk.length + 1);
      }),
      { numRuns: FULL_SCALE ? 300 : 60, seed: 7 },
    );
    expect((await host.call('GET', '/health', undefined, '')).status).toBe(200);
  });

  it('takes wrong types for every field with one message per field', async () => {
    const answer = await host.call(
      'POST',
      '/v1/batch',
      { batch: [{ type: 7, event: [], properties: 'x', traits: 1, userId: {}, anonymousId: true, context: [], messageId: 5, timestamp: 'yesterday' }] },
      host.pipelineKey,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.rejected.map((r: { field: string }) => r.field).sort()).toEqual(
      ['batch.0.anonymousId', 'batch.0.context', 'batch.0.event', 'batch.0.messageId', 'batch.0.properties', 'batch.0.timestamp', 'batch.0.traits', 'batch.0.type', 'batch.0.userId'].sort(),
    );
  });

  it('refuses an event nested 1,000 deep alone, naming the field; survives a 1 MB string, a 100,000-element array and prototype-pollution keys', async () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 1000; i++) deep = { n: deep };
    const batch = [
      { type: 'track', event: 'Deep', userId: 'u-deep', messageId: 'deep', properties: { deep } },
      { type: 'track', event: 'Huge', userId: 'u-huge', messageId: 'huge', properties: { text: 'x'.repeat(1_000_000) } },
      { type: 'track', event: 'Wide', userId: 'u-wide', messageId: 'wide', properties: { list: Array.from({ length: 100_000 }, (_, i) => i) } },
      JSON.parse('{"type": "track", "event": "Proto", "userId": "u-proto", "messageId": "proto", "properties": {"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}}'),
      { type: 'track', event: 'Late', userId: 'u-late', messageId: 'late', timestamp: '+275760-09-13T00:00:00.000Z' },
      good(-1),
    ];
    const answer = await host.call('POST', '/v1/batch', JSON.stringify({ batch }), host.pipelineKey);
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBe(4);
    expect(answer.body.rejected).toEqual([
      { index: 0, field: 'batch.0.properties.deep.n', reason: 'holds values nested deeper than 64 levels of the event; flatten it or send it as a string' },
      { index: 4, field: 'batch.4.timestamp', reason: 'must be an ISO 8601 date-time, e.g. 2026-02-25T14:30:00.000Z' },
    ]);
    await waitFor(() => sandbox.recordedEvents().some((e) => e.idempotency_key === 'proto'), { what: 'proto at Heap' });
    await host.delivery.drained();
    const byKey = new Map(sandbox.recordedEvents().map((e) => [e.idempotency_key, e]));
    expect(String(byKey.get('huge')!.properties.text)).toHaveLength(1023);
    expect(String(byKey.get('wide')!.properties.list)).toHaveLength(1023);
    expect(byKey.has('deep')).toBe(false);
    expect(JSON.parse(JSON.stringify(byKey.get('proto')!.properties))).toEqual(JSON.parse('{"__proto__.polluted": "yes", "constructor.prototype.polluted": "yes"}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a body over the bound with 413 and keeps serving', async () => {
    const answer = await host.call('POST', '/v1/batch', JSON.stringify({ batch: [{ type: 'track', event: 'Big', userId: 'u', properties: { x: 'y'.repeat(3 * 1024 * 1024) } }] }), host.pipelineKey);
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: { code: 'payload_too_large', message: 'The request body is larger than 2097152 bytes (DATAFLY_MAX_BODY_BYTES); send fewer events per request' } });
    expect((await host.call('POST', '/v1/t', good(-2), host.pipelineKey)).status).toBe(200);
  });
});

// The adapter over HTTP with hostile events: the strict sandbox never answers 400.
describe('hostile events over HTTP', () => {
  it('never provokes a 400 from the sandbox; the preview is what was sent; rate-limit keys never throw', async () => {
    const sandbox = await startSandbox();
    const adapter = plugin.createAdapter({ integrationId: 'hostile', config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url }, blueprint });
    try {
      const events = fc.sample(hostileEvent, { numRuns: FULL_SCALE ? 2000 : 400, seed: 99 }) as unknown as DataflyEvent[];
      const preview = adapter.preview(events);
      const results = await adapter.deliver(events);
      expect(results).toHaveLength(events.length);
      expect(sandbox.recordedRequests({ status: 400 }).map((r) => r.body)).toEqual([]);
      expect(new Set(results.map((r) => r.status))).toEqual(new Set(['delivered', 'failed', 'filtered']));
      const bodies = (list: unknown[]) => list.map((body) => JSON.stringify(body)).sort();
      expect(bodies(sandbox.recordedRequests().map((r) => r.body))).toEqual(bodies(preview.requests.map((r) => JSON.parse(r.body))));
      expect(preview.results.map((r) => r.status === 'send')).toEqual(results.map((r) => r.status === 'delivered'));
      for (const limit of plugin.manifest.rate_limits) for (const e of events) adapter.rateLimitKey?.(limit, e);
      expect(JSON.stringify(results)).not.toContain(API_KEY);
    } finally {
      await adapter.close();
      await sandbox.stop();
    }
  });
});
