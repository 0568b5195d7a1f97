import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { BlueprintSchema, WARNING_CODE_LIST, type Blueprint, type WarningCode } from '../../src/contract/index.js';
import { heapOptions } from '../../src/heap/blueprint-options.js';
import { prepareEvent } from '../../src/heap/prepare.js';

const defaultBlueprint = BlueprintSchema.parse(JSON.parse(readFileSync(new URL('../../blueprints/heap/default.json', import.meta.url), 'utf8')));
const ignoringTraits = BlueprintSchema.parse({ ...defaultBlueprint, options: { ...defaultBlueprint.options, identity: { ...(defaultBlueprint.options as { identity: object }).identity, context_traits: 'ignore' } } });
const withTemplate = BlueprintSchema.parse({
  ...defaultBlueprint,
  events: { ...defaultBlueprint.events, Spread: { mappings: [{ source: 'properties.list', target: '*' }, { template: '{{userId}} ordered {{properties.order_id}}', target: 'label' }] } },
});

let deep: Record<string, unknown> = { leaf: 1 };
for (let i = 0; i < 20; i++) deep = { n: deep };
const at = '2026-02-25T14:30:00.000Z';

/** One event per way the plugin changes an event, with the code and property each change must carry. */
const CASES: { name: string; blueprint?: Blueprint; event: Record<string, unknown>; expected: [WarningCode, string | undefined][] }[] = [
  { name: 'null properties', event: { type: 'track', event: 'Signed Up', messageId: 'm1', userId: 'u1', timestamp: at, properties: null }, expected: [['null_as_absent', 'properties']] },
  { name: 'a failed to_number', event: { type: 'track', event: 'Product Viewed', messageId: 'm2', userId: 'u1', timestamp: at, properties: { price: 'call us' } }, expected: [['transform_failed', 'price']] },
  { name: 'a spread of a list', blueprint: withTemplate, event: { type: 'track', event: 'Spread', messageId: 'm3', userId: 'u1', timestamp: at, properties: { list: [1] } }, expected: [['spread_not_object', 'properties.list'], ['template_missing', 'label']] },
  { name: 'a long value', event: { type: 'track', event: 'Signed Up', messageId: 'm4', userId: 'u1', timestamp: at, properties: { bio: 'x'.repeat(2000) } }, expected: [['truncated_value', 'bio']] },
  { name: 'a user property named id', event: { type: 'identify', messageId: 'm5', userId: 'u1', timestamp: at, traits: { id: 7, plan: 'pro' } }, expected: [['dropped_property', 'id']] },
  { name: 'deep nesting', event: { type: 'track', event: 'Signed Up', messageId: 'm6', userId: 'u1', timestamp: at, properties: { deep } }, expected: [['stringified_value', `deep${'.n'.repeat(16)}`]] },
  { name: 'an unsendable array item', event: { type: 'track', event: 'Signed Up', messageId: 'm7', userId: 'u1', timestamp: at, properties: { odd: [1, Number.NaN] } }, expected: [['emptied_item', 'odd']] },
  { name: 'originalTimestamp only', event: { type: 'track', event: 'Signed Up', messageId: 'm8', userId: 'u1', originalTimestamp: at }, expected: [['time_rule', 'originalTimestamp']] },
  { name: 'no time', event: { type: 'track', event: 'Signed Up', messageId: 'm9', userId: 'u1' }, expected: [['time_rule', 'timestamp']] },
  { name: 'a placeholder userId', event: { type: 'track', event: 'Signed Up', messageId: 'm10', userId: 'null', anonymousId: 'a1', timestamp: at }, expected: [['placeholder_id', 'userId']] },
  { name: 'context.traits of an anonymous user', event: { type: 'track', event: 'Signed Up', messageId: 'm11', anonymousId: 'a1', timestamp: at, context: { traits: { plan: 'pro' } } }, expected: [['traits_not_sent', 'context.traits']] },
  { name: 'context.traits ignored', blueprint: ignoringTraits, event: { type: 'track', event: 'Signed Up', messageId: 'm12', userId: 'u1', timestamp: at, context: { traits: { plan: 'pro' } } }, expected: [['traits_not_sent', 'context.traits']] },
  { name: 'a context trait named id', event: { type: 'track', event: 'Signed Up', messageId: 'm13', userId: 'u1', timestamp: at, context: { traits: { id: 1, plan: 'pro' } } }, expected: [['dropped_property', 'context.traits.id']] },
  { name: 'null traits (filtered)', event: { type: 'identify', messageId: 'm14', userId: 'u1', timestamp: at, traits: null }, expected: [['null_as_absent', 'traits']] },
];

/** The coded warnings of one prepared event, as [code, property] pairs, with their messages. */
function codedWarnings(event: Record<string, unknown>, blueprint: Blueprint) {
  const prepared = prepareEvent(event, blueprint, heapOptions(blueprint));
  if (prepared.kind === 'send') return { kinds: prepared.warnings.map((w) => [w.code, w.property] as const), messages: prepared.warnings.map((w) => w.message) };
  const { warnings, warningKinds = [] } = prepared.result;
  expect(warningKinds).toHaveLength(warnings.length);
  return { kinds: warningKinds.map((w) => [w.code, w.property] as const), messages: warnings };
}

describe('warning codes', () => {
  it.each(CASES)('$name: every warning carries its code and the property it hit', ({ event, blueprint, expected }) => {
    const { kinds, messages } = codedWarnings(event, blueprint ?? defaultBlueprint);
    expect(kinds).toEqual(expected);
    for (const message of messages) expect(message).not.toBe('');
  });

  it('every code the contract lists is one the plugin emits, and the plugin emits no other', () => {
    const emitted = new Set<string>();
    for (const { event, blueprint } of CASES) for (const [code] of codedWarnings(event, blueprint ?? defaultBlueprint).kinds) emitted.add(code);
    expect([...emitted].sort()).toEqual([...WARNING_CODE_LIST].sort());
  });
});
