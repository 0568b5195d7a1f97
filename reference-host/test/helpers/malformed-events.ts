import { demoSession } from '../../src/demo.js';

/**
 * The README's demo session followed by a few malformed events a source really sends: null properties,
 * prices that are no numbers, a value past the length limit, a placeholder userId. What the data-quality
 * view must show for them is in `EXPECTED_KINDS`.
 */
export function demoWithMalformed(now: number): Record<string, unknown>[] {
  const at = new Date(now - 5000).toISOString();
  return [
    ...demoSession(now),
    { type: 'track', event: 'Product Viewed', messageId: 'dq-null-1', userId: 'user-123', timestamp: at, properties: null },
    { type: 'track', event: 'Product Added', messageId: 'dq-price', userId: 'user-123', timestamp: at, properties: { price: 'call us', quantity: 'two', sku: 'RUN-42' } },
    { type: 'track', event: 'Order Completed', messageId: 'dq-long', userId: 'user-123', timestamp: at, properties: { order_id: 'o-5002', gift_note: 'x'.repeat(1500) } },
    { type: 'track', event: 'Newsletter Subscribed', messageId: 'dq-placeholder', userId: 'null', anonymousId: 'anon-dq', timestamp: at, properties: { list: 'weekly' } },
    { type: 'track', event: 'Product Viewed', messageId: 'dq-null-2', userId: 'user-123', timestamp: at, properties: null },
  ];
}

/** The data-quality answer's kinds for `demoWithMalformed` (the demo itself warns of nothing). */
export const EXPECTED_KINDS = [
  {
    code: 'null_as_absent',
    count: 2,
    events: [{ name: 'Product Viewed', count: 2 }],
    distinct_events: 1,
    properties: [{ name: 'properties', count: 2 }],
    distinct_properties: 1,
    pairs: [{ event: 'Product Viewed', property: 'properties', count: 2 }],
    samples: ['dq-null-2', 'dq-null-1'],
  },
  {
    code: 'transform_failed',
    count: 2,
    events: [{ name: 'Product Added', count: 2 }],
    distinct_events: 1,
    properties: [{ name: 'price', count: 1 }, { name: 'quantity', count: 1 }],
    distinct_properties: 2,
    pairs: [{ event: 'Product Added', property: 'price', count: 1 }, { event: 'Product Added', property: 'quantity', count: 1 }],
    samples: ['dq-price'],
  },
  {
    code: 'placeholder_id',
    count: 1,
    events: [{ name: 'Newsletter Subscribed', count: 1 }],
    distinct_events: 1,
    properties: [{ name: 'userId', count: 1 }],
    distinct_properties: 1,
    pairs: [{ event: 'Newsletter Subscribed', property: 'userId', count: 1 }],
    samples: ['dq-placeholder'],
  },
  {
    code: 'truncated_value',
    count: 1,
    events: [{ name: 'Order Completed', count: 1 }],
    distinct_events: 1,
    properties: [{ name: 'gift_note', count: 1 }],
    distinct_properties: 1,
    pairs: [{ event: 'Order Completed', property: 'gift_note', count: 1 }],
    samples: ['dq-long'],
  },
];
