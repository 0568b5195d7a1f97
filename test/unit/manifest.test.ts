import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { BlueprintSchema, CatalogManifestSchema, configJsonSchema, EVENT_TYPES, fieldIssues } from '../../src/contract/index.js';
import { heapOptions } from '../../src/heap/blueprint-options.js';
import { HEAP_LIMITS, HeapBlueprintOptionsSchema, HeapConfigSchema } from '../../src/heap/index.js';
import { prepareEvent } from '../../src/heap/prepare.js';

const manifest = JSON.parse(readFileSync('catalog/heap.json', 'utf8'));
const blueprint = JSON.parse(readFileSync('blueprints/heap/default.json', 'utf8'));

describe('catalog/heap.json', () => {
  it('is a valid catalog vendor object with the card the issue asks for', () => {
    const parsed = CatalogManifestSchema.parse(manifest);
    expect(parsed).toMatchObject({
      key: 'heap',
      name: 'Heap',
      category: 'analytics',
      status: 'beta',
      delivery_modes: ['server_side'],
      consent_categories: ['analytics'],
    });
    expect(parsed.variants.map((v) => v.key)).toEqual(['default']);
    expect(parsed.capabilities).toEqual(['user_deletion']);
    expect(parsed.config_fields.find((f) => f.key === 'api_key')).toMatchObject({ type: 'secret', required: true });
  });

  it('declares the same config fields as the config schema: keys, required, types, choices, defaults, pattern', () => {
    const schema = configJsonSchema(HeapConfigSchema) as {
      properties: Record<string, { type?: string; enum?: string[]; default?: unknown; pattern?: string; format?: string }>;
      required: string[];
    };
    const fields = CatalogManifestSchema.parse(manifest).config_fields;
    expect(fields.map((f) => f.key)).toEqual(Object.keys(schema.properties));
    for (const field of fields) {
      const prop = schema.properties[field.key];
      expect([field.key, field.required]).toEqual([field.key, schema.required.includes(field.key)]);
      const expectedType = { string: 'string', secret: 'string', textarea: 'string', url: 'string', select: 'string', number: 'integer', boolean: 'boolean' }[field.type];
      expect([field.key, prop.type]).toEqual([field.key, expectedType]);
      expect([field.key, field.options?.map((o) => o.value)]).toEqual([field.key, prop.enum]);
      expect([field.key, field.default]).toEqual([field.key, prop.default]);
      expect([field.key, field.pattern]).toEqual([field.key, prop.pattern]);
    }
  });

  it('titles the config schema with the form’s labels, and states the timeout’s bounds in its help text', () => {
    const schema = configJsonSchema(HeapConfigSchema) as { properties: Record<string, { title?: string; minimum?: number; maximum?: number }> };
    const fields = CatalogManifestSchema.parse(manifest).config_fields;
    expect(fields.map((f) => [f.key, f.label])).toEqual(Object.entries(schema.properties).map(([key, p]) => [key, p.title]));
    const timeout = schema.properties.timeout_ms;
    expect(fields.find((f) => f.key === 'timeout_ms')?.help_text).toContain(`(${timeout.minimum} to ${timeout.maximum})`);
  });

  it('says what the config schema says when a value misses the pattern, so the form and the server agree', () => {
    const fields = CatalogManifestSchema.parse(manifest).config_fields.filter((f) => f.pattern);
    expect(fields.map((f) => f.key)).toEqual(['app_id']);
    for (const field of fields) {
      const result = HeapConfigSchema.safeParse({ app_id: '1', api_key: 'k', [field.key]: 'not-matching' });
      expect(result.success ? [] : result.error.issues.map((i) => i.message)).toEqual([field.pattern_message]);
    }
  });

  it('declares Heap’s limits: 1000 per bulk request, 15,000 events/min per app, 1000/min per user, 30 calls/30 s', () => {
    const parsed = CatalogManifestSchema.parse(manifest);
    expect(parsed.batching.max_events).toBe(HEAP_LIMITS.bulkItems);
    expect(parsed.rate_limits.map((l) => [l.scope, l.unit, l.limit, l.window_ms])).toEqual([
      ['app', 'events', 15000, 60000],
      ['user', 'events', 1000, 60000],
      ['user', 'requests', 30, 30000],
    ]);
  });

  it('counts every event type of the contract against the limits of the Heap call the default blueprint makes of it (a new type fails here)', () => {
    const parsed = CatalogManifestSchema.parse(manifest);
    const bp = BlueprintSchema.parse(blueprint);
    const callsOf = (type: string) => {
      const sample = { type, event: 'Sample', name: 'Sample', userId: 'u-1', anonymousId: 'a-1', groupId: 'g-1', messageId: `m-${type}`, timestamp: '2026-02-25T14:30:00.000Z', traits: { plan: 'pro' }, context: { traits: { plan: 'pro' } } };
      const prepared = prepareEvent(sample, bp, heapOptions(bp));
      return prepared.kind === 'send' ? prepared.parts.map((p) => p.kind) : [];
    };
    const typesMaking = (kind: string) => EVENT_TYPES.filter((type) => callsOf(type).includes(kind as never));
    const limited = (name: string) => parsed.rate_limits.find((l) => l.name === name)?.event_types;
    expect(EVENT_TYPES.filter((type) => callsOf(type).length === 0)).toEqual([]);
    expect(limited('events_per_app')).toEqual(typesMaking('track'));
    expect(limited('events_per_identity')).toEqual(typesMaking('track'));
    expect(limited('user_property_calls_per_identity')).toEqual(typesMaking('user'));
  });
});

describe('blueprints/heap/default.json', () => {
  it('validates, with Heap options that validate', () => {
    const parsed = BlueprintSchema.parse(blueprint);
    expect(HeapBlueprintOptionsSchema.parse(parsed.options)).toEqual({
      identity: { anonymous: 'user_id_hash', merge_on_identify: true, context_traits: 'user_properties' },
      properties: { arrays: 'join' },
    });
  });

  it('has a rule for every row of the guide’s event table and passes custom events through', () => {
    const parsed = BlueprintSchema.parse(blueprint);
    expect(Object.fromEntries(Object.entries(parsed.events).map(([k, r]) => [k, r.vendor_event_name]))).toEqual({
      page: 'pageview',
      screen: 'screenview',
      'Product Viewed': 'Product Viewed',
      'Product Added': 'Product Added',
      'Order Completed': 'Order Completed',
      identify: 'add_user_properties',
      group: 'add_account_properties',
    });
    expect(parsed.defaults.action).toBe('passthrough');
  });
});

describe('config schema', () => {
  const issues = (config: unknown) => {
    const result = HeapConfigSchema.safeParse(config);
    return result.success ? [] : fieldIssues(result.error, 'config');
  };

  it('names each bad field', () => {
    expect(issues({ api_key: 'k' })).toEqual([{ field: 'config.app_id', message: 'is required' }]);
    expect(issues({ app_id: 'abc123', api_key: 'k' })).toEqual([{ field: 'config.app_id', message: 'must be the numeric App ID of a Heap environment' }]);
    expect(issues({ app_id: '123', api_key: '  ' })).toEqual([{ field: 'config.api_key', message: 'is required' }]);
    expect(issues({ app_id: '123', api_key: 'k', region: 'apac' })).toEqual([{ field: 'config.region', message: 'must be us or eu' }]);
    expect(issues({ app_id: '123', api_key: 'k', endpoint: 'http://heap-proxy.example.com' })).toEqual([
      { field: 'config.endpoint', message: 'must use https (http is allowed only for loopback addresses)' },
    ]);
  });

  it('accepts the guide’s config and fills the defaults', () => {
    expect(HeapConfigSchema.parse({ app_id: '1234567890', api_key: 'your_api_key' })).toEqual({
      app_id: '1234567890',
      api_key: 'your_api_key',
      region: 'us',
      timeout_ms: 10000,
    });
    expect(issues({ app_id: '1', api_key: 'k', endpoint: 'http://127.0.0.1:8085' })).toEqual([]);
  });
});
