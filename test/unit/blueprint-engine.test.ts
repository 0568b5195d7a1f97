import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { BlueprintSchema, mapEvent, type BlueprintInput } from '../../src/contract/index.js';

const base: BlueprintInput = { version: 2, delivery_mode: 'server_side', defaults: { action: 'passthrough', mappings: [] }, events: {} };
const blueprint = (over: Partial<BlueprintInput>) => BlueprintSchema.parse({ ...base, ...over });

describe('the mapping kit (contract): a blueprint applied to an event', () => {
  it('applies sources, literal values, parameters, value_map and transforms', () => {
    const bp = blueprint({
      parameters: { brand: 'Acme' },
      global: { mappings: [{ source: 'parameters.brand', target: 'brand' }] },
      events: {
        Signup: {
          vendor_event_name: 'Signed Up',
          mappings: [
            { source: 'properties.plan', target: 'plan', value_map: { p: 'pro', f: 'free' } },
            { source: 'properties.email', target: 'email_hash', transform: 'sha256' },
            { source: 'properties.seats', target: 'seats', transform: 'to_number' },
            { source: 'properties.Country', target: 'country', transform: 'lowercase' },
            { source: 'timestamp', target: 'day', transform: 'date_format', format: 'date' },
            { source: 'properties.missing', target: 'source', default: 'web' },
            { value: 'server', target: 'via' },
          ],
        },
      },
    });
    const mapped = mapEvent(bp, {
      type: 'track',
      event: 'Signup',
      timestamp: '2026-02-25T14:30:00Z',
      properties: { plan: 'p', email: ' Jane@Example.com ', seats: '3', Country: 'DE' },
    });
    expect(mapped).toEqual({
      action: 'send',
      vendorName: 'Signed Up',
      payload: Object.assign(Object.create(null), {
        brand: 'Acme',
        plan: 'pro',
        email_hash: '8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d',
        seats: 3,
        country: 'de',
        day: '2026-02-25',
        source: 'web',
        via: 'server',
      }),
      warnings: [],
    });
  });

  it('warns and leaves the property out when a transform cannot apply', () => {
    const bp = blueprint({ events: { X: { mappings: [{ source: 'properties.n', target: 'n', transform: 'to_number' }] } } });
    expect(mapEvent(bp, { type: 'track', event: 'X', properties: { n: 'abc' } })).toEqual({
      action: 'send',
      vendorName: 'X',
      payload: {},
      warnings: [{ code: 'transform_failed', property: 'n', message: 'mapping properties.n → n: "abc" is not a number; this mapping set nothing ("n" is not sent unless a later mapping sets it)' }],
    });
  });

  it('says what is sent when a transform fails after an earlier mapping set the target (the warning and the payload agree)', () => {
    const bp = blueprint({ events: { X: { mappings: [{ source: 'properties', target: '*' }, { source: 'properties.price', target: 'price', transform: 'to_number' }] } } });
    expect(mapEvent(bp, { type: 'track', event: 'X', properties: { price: 'n/a', sku: 'A' } })).toEqual({
      action: 'send',
      vendorName: 'X',
      payload: { price: 'n/a', sku: 'A' },
      warnings: [{ code: 'transform_failed', property: 'price', message: 'mapping properties.price → price: "n/a" is not a number; "price" keeps "n/a", set by an earlier mapping' }],
    });
  });

  it('fills a template from the event; a path without a value is left empty and said, none at all lets default apply', () => {
    const bp = blueprint({
      events: {
        X: {
          mappings: [
            { template: 'Order {{properties.order_id}} ({{ properties.currency }})', target: 'label' },
            { template: '{{properties.missing}}', target: 'fallback', default: 'none' },
            { template: '{{context.page}}', target: 'page' },
          ],
        },
      },
    });
    expect(mapEvent(bp, { type: 'track', event: 'X', properties: { order_id: 50314 }, context: { page: { path: '/' } } })).toEqual({
      action: 'send',
      vendorName: 'X',
      payload: { label: 'Order 50314 ()', fallback: 'none', page: '{"path":"/"}' },
      warnings: [{ code: 'template_missing', property: 'label', message: 'mapping "Order {{properties.order_id}} ({{ properties.currency }})" → label: properties.currency had no value and was left empty' }],
    });
  });

  it('refuses a template that is not one, naming the mapping', () => {
    const issues = (template: string) => {
      const result = BlueprintSchema.safeParse({ ...base, events: { X: { mappings: [{ template, target: 't' }] } } });
      return result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message]);
    };
    expect(issues('Order {{properties.order_id')).toEqual([['events.X.mappings.0.template', 'has a {{ or }} without its partner']]);
    expect(issues('Order {{ }}')).toEqual([['events.X.mappings.0.template', 'has an empty {{ }}']]);
    expect(issues('Order {{properties..id}}')).toEqual([['events.X.mappings.0.template', '{{properties..id}}: "properties..id" is not a dot path such as properties.order_id']]);
    expect(issues('Order')).toEqual([['events.X.mappings.0.template', 'has no {{path}}; fixed text is a "value"']]);
    expect(issues('Order {{properties.order_id}}')).toEqual([]);
  });

  it('reads a null object as absent and says so once per event; a null property is just absent', () => {
    const bp = blueprint({
      defaults: { action: 'passthrough', mappings: [{ source: 'properties', target: '*' }, { source: 'properties.price', target: 'price' }, { source: 'context.page.url', target: 'url' }, { source: 'properties.note', target: 'note' }] },
    });
    expect(mapEvent(bp, { type: 'track', event: 'E', properties: null, context: null })).toEqual({
      action: 'send',
      vendorName: 'E',
      payload: {},
      warnings: [
        { code: 'null_as_absent', property: 'properties', message: 'properties is null: read as absent' },
        { code: 'null_as_absent', property: 'context', message: 'context is null: read as absent' },
      ],
    });
    expect(mapEvent(bp, { type: 'track', event: 'E', properties: { note: null }, context: { page: null } })).toMatchObject({ payload: { note: null }, warnings: [{ code: 'null_as_absent', property: 'context.page', message: 'context.page is null: read as absent' }] });
  });

  it('hands the mapped payload to the vendor’s shape hook, with the vendor name, and keeps its warnings', () => {
    const bp = blueprint({ events: { page: { vendor_event_name: 'pageview', mappings: [{ source: 'properties', target: '*' }] } } });
    const seen: string[] = [];
    const mapped = mapEvent(bp, { type: 'page', properties: { a: 1, b: 'x' } }, {
      shape(payload, vendorName) {
        seen.push(vendorName);
        return { payload: Object.keys(payload), warnings: [{ code: 'truncated_value', message: 'shaped' }] };
      },
    });
    expect(mapped).toEqual({ action: 'send', vendorName: 'pageview', payload: ['a', 'b'], warnings: [{ code: 'truncated_value', message: 'shaped' }] });
    expect(seen).toEqual(['pageview']);
  });

  it('keys screen rules by type, like page', () => {
    const bp = blueprint({ events: { screen: { vendor_event_name: 'screenview', mappings: [{ source: 'name', target: 'name' }] } } });
    expect(mapEvent(bp, { type: 'screen', name: 'Home' })).toEqual({ action: 'send', vendorName: 'screenview', payload: { name: 'Home' }, warnings: [] });
  });

  it('drops disabled rules and, with defaults.action drop, unlisted events', () => {
    const bp = blueprint({ defaults: { action: 'drop', mappings: [] }, events: { Off: { enabled: false, mappings: [] } } });
    expect(mapEvent(bp, { type: 'track', event: 'Off' })).toEqual({ action: 'drop', reason: 'the blueprint disables "Off"' });
    expect(mapEvent(bp, { type: 'track', event: 'Other' })).toEqual({ action: 'drop', reason: 'the blueprint has no rule for "Other" and its default action is drop' });
  });

  it('reads own keys only: a source path cannot reach the prototype', () => {
    const bp = blueprint({ defaults: { action: 'passthrough', mappings: [{ source: 'properties.constructor.name', target: 'c' }] } });
    expect(mapEvent(bp, { type: 'track', event: 'E', properties: {} })).toMatchObject({ payload: {} });
  });

  it('changing the JSON changes behaviour: renaming pageview in the default blueprint renames the Heap event', () => {
    const json = JSON.parse(readFileSync('blueprints/heap/default.json', 'utf8'));
    json.events.page.vendor_event_name = 'Page Viewed';
    const mapped = mapEvent(BlueprintSchema.parse(json), { type: 'page', context: { page: { url: 'https://a.example/' } } });
    expect(mapped).toMatchObject({ action: 'send', vendorName: 'Page Viewed', payload: { url: 'https://a.example/' } });
  });

  it('rejects a mapping with none or several of source, value and template, naming the field', () => {
    for (const mapping of [{ target: 't' }, { source: 'a', value: 1, target: 't' }, { value: 1, template: '{{a}}', target: 't' }]) {
      const result = BlueprintSchema.safeParse({ ...base, events: { X: { mappings: [mapping] } } });
      expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['events.X.mappings.0.source', 'a mapping needs exactly one of source, value or template']]);
    }
  });
});
