import { describe, expect, it } from '@jest/globals';
import { shapeProperties, truncate } from '../../src/heap/properties.js';

describe('property shaping', () => {
  const input = { tags: ['a', 'b'], products: [{ sku: 'A', meta: { size: 9 } }, { sku: 'B' }], when: new Date('2026-01-02T03:04:05Z') };

  it('join mode: scalars with ||, object arrays per field, Dates as ISO', () => {
    expect(shapeProperties(input, 'join', 'event')).toEqual({
      properties: { tags: 'a||b', 'products.sku': 'A||B', 'products.meta.size': '9||', when: '2026-01-02T03:04:05.000Z' },
      warnings: [],
    });
  });

  it('index mode: one key per element', () => {
    expect(shapeProperties(input, 'index', 'event').properties).toEqual({
      'tags.0': 'a',
      'tags.1': 'b',
      'products.0.sku': 'A',
      'products.0.meta.size': 9,
      'products.1.sku': 'B',
      when: '2026-01-02T03:04:05.000Z',
    });
  });

  it('json mode: arrays as JSON strings', () => {
    expect(shapeProperties({ tags: ['a', 'b'] }, 'json', 'event').properties).toEqual({ tags: '["a","b"]' });
  });

  it('cuts values to 1023 characters and drops names of 1024 or more: Heap takes fewer than 1024', () => {
    const shaped = shapeProperties({ at: 'a'.repeat(1023), over: 'b'.repeat(1024), ['k'.repeat(1023)]: 1, ['n'.repeat(1024)]: 2 }, 'join', 'event');
    expect(Object.keys(shaped.properties).map((k) => k.length)).toEqual([2, 4, 1023]);
    expect(shaped.properties.at).toBe('a'.repeat(1023));
    expect(shaped.properties.over).toBe('b'.repeat(1023));
    expect(shaped.warnings).toEqual([
      { code: 'truncated_value', property: 'over', message: 'truncated property "over" from 1024 to 1023 characters (Heap takes fewer than 1024 characters in a value)' },
      { code: 'dropped_property', property: `${'n'.repeat(40)}…`, message: `dropped property "${'n'.repeat(40)}…": its name is 1024 characters; Heap takes fewer than 1024 characters in a name` },
    ]);
  });

  it('keeps the positions of nulls in a joined array as empty values; an unsendable item is empty and said', () => {
    expect(shapeProperties({ tags: ['a', null, true], tail: ['a', null], only: [null, null], odd: [1, Number.NaN, 2] }, 'join', 'event')).toEqual({
      properties: { tags: 'a||||true', tail: 'a||', odd: '1||||2' },
      warnings: [{ code: 'emptied_item', property: 'odd', message: 'property "odd" item 1: NaN is not a finite number, sent as an empty value' }],
    });
    expect(shapeProperties({ tags: ['a', null, true] }, 'index', 'event').properties).toEqual({ 'tags.0': 'a', 'tags.2': 'true' });
    expect(shapeProperties({ tags: ['a', null, true] }, 'json', 'event').properties).toEqual({ tags: '["a",null,true]' });
  });

  it('reports non-finite numbers and functions instead of sending them', () => {
    expect(shapeProperties({ a: Number.POSITIVE_INFINITY, b: () => 1, c: 1 }, 'join', 'event')).toEqual({
      properties: { c: 1 },
      warnings: [
        { code: 'dropped_property', property: 'a', message: 'dropped property "a": Infinity is not a finite number' },
        { code: 'dropped_property', property: 'b', message: 'dropped property "b": a function cannot be sent to Heap' },
      ],
    });
  });

  it('keeps prototype-polluting keys as plain data and never alters Object.prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"x": 1}}}');
    const shaped = shapeProperties(hostile, 'join', 'event');
    expect(shaped.properties).toEqual(JSON.parse('{"__proto__.polluted": "yes", "constructor.prototype.x": 1}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('sends deep nesting as one JSON string with a warning instead of exploding keys', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    const levels: Record<string, unknown>[] = [];
    for (let i = 0; i < 1000; i++) levels.unshift((deep = { n: deep }));
    const keptAsJson = JSON.stringify(levels[16]);
    const shaped = shapeProperties({ deep }, 'join', 'event');
    const [[key, value]] = Object.entries(shaped.properties);
    expect(key).toBe(`deep${'.n'.repeat(16)}`);
    expect(String(value)).toHaveLength(1023);
    expect(shaped.warnings).toEqual([
      { code: 'stringified_value', property: key, message: `property "${key}" is nested deeper than 16 levels and was sent as a JSON string` },
      { code: 'truncated_value', property: key, message: `truncated property "${key}" from ${keptAsJson.length} to 1023 characters (Heap takes fewer than 1024 characters in a value)` },
    ]);
  });

  it('cuts at a code point boundary, never leaving a lone surrogate', () => {
    const text = `${'a'.repeat(1023)}🙂`;
    expect(truncate(text, 1024)).toBe('a'.repeat(1023));
  });

  it('drops id only for user properties', () => {
    expect(shapeProperties({ id: 1, Id: 2 }, 'join', 'event').properties).toEqual({ id: 1, Id: 2 });
    expect(shapeProperties({ id: 1, Id: 2 }, 'join', 'user').properties).toEqual({});
  });
});
