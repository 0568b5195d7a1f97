import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fieldIssues, IncomingEventSchema, surelyIncomingEvent, unreadFields } from '@datafly/heap-integration/contract';
import { checkIncoming, type Fill } from '../../src/common/incoming-event.js';

const TS = '2026-02-25T14:30:00.000Z';
const fill: Fill = { messageId: () => 'filled-id', timestamp: () => TS, receivedAt: () => TS };

/** Objects zod's record and loose object treat apart from what JSON.parse builds. */
const oddObjects = fc.constantFrom(
  () => Object.create(null) as object,
  () => ({ [Symbol('s')]: 1 }),
  () => ({ constructor: () => 1 }),
  () => JSON.parse('{"constructor": {"prototype": null}}') as object,
  () => JSON.parse('{"__proto__": {"a": 1}}') as object,
  () => new Date(0),
  () => [1],
  () => new Map(),
);
const odd = oddObjects.map((make) => make());
const jsonish = fc.oneof(fc.constantFrom(undefined, null, true, 0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, 2 ** 53 + 2, '', ' ', 'x'), fc.string(), fc.double(), odd);
/** Mostly a value the field takes, sometimes anything: most events then get far enough to be vouched for. */
const near = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: jsonish });
const record = near(fc.oneof(fc.constant(null), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4, noNullPrototype: true })));
const text = near(fc.string({ maxLength: 8 }));
const id = near(fc.oneof(fc.constantFrom('0', 'null', ' undefined ', 'NaN', '[object Object]', 'anon-1', 'u', 0, 7, -3, 2 ** 53 - 1, 2 ** 53, null), fc.string({ maxLength: 6 }), fc.integer()));
const time = near(
  fc.oneof(
    { weight: 4, arbitrary: fc.oneof(fc.constantFrom(TS, '2026-02-25T16:30:00+02:00', '2026-02-25T14:30:00Z', 946684800000, Date.parse(TS) + 0.5), fc.integer({ min: 946684800000, max: 4102444799999 })) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('2026-02-30T00:00:00.000Z', '2026-02-25', 'yesterday', 4102444800000, 1772029800), fc.integer({ min: 0, max: 5_000_000_000_000 })) },
  ),
);
const page = near(fc.oneof(fc.constant(null), fc.record({ url: text, path: text, referrer: text, title: text, search: text, extra: jsonish }, { requiredKeys: [], noNullPrototype: true })));
const context = near(fc.oneof(fc.constant(null), fc.record({ page, ip: text, userAgent: text, locale: text, campaign: record, consent: record, traits: record, library: jsonish }, { requiredKeys: [], noNullPrototype: true })));
const fields = {
  type: near(fc.oneof({ weight: 9, arbitrary: fc.constantFrom('track', 'page', 'screen', 'identify', 'group') }, { weight: 1, arbitrary: fc.constantFrom('alias', 'TRACK', '') })),
  event: text,
  name: text,
  properties: record,
  traits: record,
  userId: id,
  anonymousId: id,
  groupId: id,
  context,
  messageId: near(fc.oneof(fc.constantFrom('m-1', '', 'm'.repeat(255), 'm'.repeat(256), '\u{1F600}'.repeat(128)), fc.uuid(), fc.uuid(), fc.uuid())),
  timestamp: time,
  originalTimestamp: time,
  sentAt: time,
  receivedAt: time,
  // Misspelled fields (named in refusals and unread_fields) and someone's own.
  userID: text,
  propertes: record,
  channel: jsonish,
};
/** Events near the schema's edge: every field absent, right, or wrong in one of many ways. */
const events = fc.oneof({ weight: 9, arbitrary: fc.record(fields, { requiredKeys: ['type'], noNullPrototype: true }) }, { weight: 1, arbitrary: jsonish });

/** checkIncoming as it was before the quick check: zod on every event. */
function byZodAlone(value: unknown): ReturnType<typeof checkIncoming> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, issues: [{ field: '(root)', message: 'must be a JSON object' }] };
  const parsed = IncomingEventSchema.safeParse(value);
  if (!parsed.success) return { ok: false, issues: fieldIssues(parsed.error) };
  const event = value as Record<string, unknown>;
  const filled: ('messageId' | 'timestamp')[] = [];
  if (parsed.data.messageId === undefined) (event.messageId = fill.messageId()), filled.push('messageId');
  if (parsed.data.timestamp === undefined && parsed.data.originalTimestamp === undefined) (event.timestamp = fill.timestamp()), filled.push('timestamp');
  else if (parsed.data.timestamp === undefined && parsed.data.sentAt !== undefined && parsed.data.receivedAt === undefined) event.receivedAt = fill.receivedAt!();
  return { ok: true, event: event as never, filled, unread: unreadFields(event) };
}

/** A copy of the top level, where checkIncoming fills in: its prototype, symbol keys and own `__proto__` key kept. */
function copy(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return [...value];
  const twin = Object.create(Object.getPrototypeOf(value)) as object;
  for (const key of Reflect.ownKeys(value)) Object.defineProperty(twin, key, Object.getOwnPropertyDescriptor(value, key)!);
  return twin;
}

describe('the quick check of an incoming event', () => {
  it('vouches only for events zod takes', () => {
    let vouched = 0;
    fc.assert(
      fc.property(events, (event) => {
        if (!surelyIncomingEvent(event)) return;
        vouched++;
        expect(IncomingEventSchema.safeParse(event).error?.issues).toBeUndefined();
      }),
      { numRuns: 10_000, seed: 20261202 },
    );
    // Not vacuous: a good share of the generated events are vouched for.
    expect(vouched).toBeGreaterThan(400);
  });

  it('vouches for the events collectors send, so zod is not asked for them', () => {
    const context = { page: { url: 'https://shop.example.com/p/1', path: '/p/1', title: 'Shoe', referrer: '', search: '' }, userAgent: 'UA', locale: 'en-US', ip: '203.0.113.42', campaign: { source: 'google' }, consent: { analytics: true } };
    const products = [{ product_id: 'p-1', sku: 'SKU-1', name: 'shoe', price: 12.5, quantity: 1 }];
    for (const event of [
      { type: 'track', event: 'Order Completed', anonymousId: 'anon-1', messageId: 'm-1', context, properties: { order_id: 'o-1', revenue: 12.5, coupon: null, products } },
      { type: 'page', name: 'Home', userId: 42, anonymousId: null, timestamp: TS, context, properties: { section: 'x' } },
      { type: 'identify', userId: 'user-1', traits: { email: 'a@example.com', address: { city: 'Berlin' } }, originalTimestamp: Date.parse(TS), sentAt: TS },
      { type: 'group', groupId: 'acct-1', userId: 'user-1', traits: { plan: 'pro' }, context: null },
      { type: 'screen', name: 'Cart', anonymousId: 'anon-2', channel: 'mobile', integrations: { All: true } },
    ]) {
      expect(surelyIncomingEvent(JSON.parse(JSON.stringify(event)))).toBe(true);
    }
  });

  it('leaves checkIncoming answering exactly what zod alone answered: the refusals, the fills and the event', () => {
    fc.assert(
      fc.property(events, (event) => {
        const quick = checkIncoming(copy(event), fill);
        const zod = byZodAlone(copy(event));
        expect(quick).toEqual(zod);
        if (quick.ok && zod.ok) expect(JSON.stringify(quick.event)).toBe(JSON.stringify(zod.event));
      }),
      { numRuns: 10_000, seed: 20261203 },
    );
  });
});
