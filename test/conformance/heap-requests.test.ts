import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { UNSAFE_ID_MESSAGE, type Blueprint, type DeliveryAdapter, type DeliveryResult } from '../../src/contract/index.js';
import type { HeapSandbox } from '../../reference-host/src/sandbox/server.js';
import { APP_ID, TS, event, heapAdapter, heapPlugin, requestsOf, startSandbox } from '../../reference-host/test/helpers/heap.js';

/**
 * The conformance table: canonical events in, the exact Heap requests out (over real HTTP, as the
 * sandbox received them), and the exact result per event. One row per behaviour of the guide and DESIGN.
 */
const ANON_1 = '1639105742322265'; // anonymousUserId('anon-1'), see test/unit/identity.test.ts
const LONG_VALUE = 'v'.repeat(1500);
const LONG_KEY = 'k'.repeat(1024);
const LONGEST_KEY = 'k'.repeat(1023);
const PLACEHOLDER_0 = 'userId "0" is a placeholder for no user (like "", "null", "undefined", "0"), not an id';

interface Row {
  name: string;
  events: Record<string, unknown>[];
  requests: { path: string; body: unknown }[];
  results: Partial<DeliveryResult>[];
  /** Heap options of the default blueprint this row changes. */
  options?: Record<string, Record<string, unknown>>;
}

const page = {
  url: 'https://shop.example.com/shoes?color=red',
  path: '/shoes',
  referrer: 'https://www.google.com/',
  title: 'Shoes',
  search: '?color=red',
};

const table: Row[] = [
  {
    name: 'anonymous page view → pageview with url, title, referrer, path, search under the hashed user_id',
    events: [{ type: 'page', name: 'Shoes', anonymousId: 'anon-1', messageId: 'm-page', context: { page } }],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            {
              user_id: ANON_1,
              event: 'pageview',
              properties: { name: 'Shoes', ...page },
              idempotency_key: 'm-page',
              timestamp: TS,
            },
          ],
        },
      },
    ],
    results: [{ messageId: 'm-page', status: 'delivered', httpStatus: 200, warnings: [] }],
  },
  {
    name: 'Product Viewed keeps its name, product details as properties, price as a number',
    events: [
      {
        event: 'Product Viewed',
        userId: 'user-123',
        messageId: 'm-pv',
        properties: { product_id: 'p-1', sku: 'SKU-1', name: 'Runner', category: 'Shoes', price: '89.90', currency: 'EUR' },
      },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            {
              identity: 'user-123',
              event: 'Product Viewed',
              properties: { product_id: 'p-1', sku: 'SKU-1', name: 'Runner', category: 'Shoes', price: 89.9, currency: 'EUR' },
              idempotency_key: 'm-pv',
              timestamp: TS,
            },
          ],
        },
      },
    ],
    results: [{ status: 'delivered', warnings: [] }],
  },
  {
    name: 'Product Added keeps its name with price and quantity as numbers',
    events: [{ event: 'Product Added', userId: 'user-123', messageId: 'm-pa', properties: { product_id: 'p-1', price: 10, quantity: '2' } }],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [{ identity: 'user-123', event: 'Product Added', properties: { product_id: 'p-1', price: 10, quantity: 2 }, idempotency_key: 'm-pa', timestamp: TS }],
        },
      },
    ],
    results: [{ status: 'delivered', warnings: [] }],
  },
  {
    name: 'Order Completed: revenue as a number, order_id as a string, items one ||-joined value per field',
    events: [
      {
        event: 'Order Completed',
        userId: 'user-123',
        messageId: 'm-oc',
        properties: {
          order_id: 50314,
          revenue: '42.50',
          currency: 'USD',
          products: [
            { sku: 'A-1', price: 20, quantity: 1 },
            { sku: 'B-2', price: 22.5, coupon: 'SPRING' },
          ],
        },
      },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            {
              identity: 'user-123',
              event: 'Order Completed',
              properties: {
                order_id: '50314',
                revenue: 42.5,
                currency: 'USD',
                'products.sku': 'A-1||B-2',
                'products.price': '20||22.5',
                'products.quantity': '1||',
                'products.coupon': '||SPRING',
              },
              idempotency_key: 'm-oc',
              timestamp: TS,
            },
          ],
        },
      },
    ],
    results: [{ status: 'delivered', warnings: [] }],
  },
  {
    name: 'a custom event passes through under its own name',
    events: [{ event: 'Video Played', anonymousId: 'anon-1', messageId: 'm-custom', properties: { video_id: 'v9', position: 12 } }],
    requests: [
      {
        path: '/api/track',
        body: { app_id: APP_ID, events: [{ user_id: ANON_1, event: 'Video Played', properties: { video_id: 'v9', position: 12 }, idempotency_key: 'm-custom', timestamp: TS }] },
      },
    ],
    results: [{ status: 'delivered', warnings: [] }],
  },
  {
    name: "identify with both ids → the guide's add_user_properties call, and a v1/identify merge of the anonymous user",
    events: [
      {
        type: 'identify',
        userId: 'user-123',
        anonymousId: 'anon-1',
        messageId: 'm-id',
        traits: { email: 'jane@example.com', company: 'Acme Inc', plan: 'enterprise' },
      },
    ],
    requests: [
      {
        path: '/api/add_user_properties',
        body: { app_id: APP_ID, users: [{ identity: 'user-123', properties: { email: 'jane@example.com', company: 'Acme Inc', plan: 'enterprise' } }] },
      },
      { path: '/api/v1/identify', body: { app_id: APP_ID, user_id: ANON_1, identity: 'user-123', timestamp: TS } },
    ],
    results: [{ status: 'delivered', requests: 2, warnings: [] }],
  },
  {
    name: 'identify with only a userId → user properties, no merge',
    events: [{ type: 'identify', userId: 'user-9', anonymousId: null, messageId: 'm-id2', traits: { plan: 'free' } }],
    requests: [{ path: '/api/add_user_properties', body: { app_id: APP_ID, users: [{ identity: 'user-9', properties: { plan: 'free' } }] } }],
    results: [{ status: 'delivered', requests: 1 }],
  },
  {
    name: 'identify of an anonymous user is filtered: Heap has no user properties for user_id',
    events: [{ type: 'identify', anonymousId: 'anon-1', messageId: 'm-id3', traits: { plan: 'free' } }],
    requests: [],
    results: [
      {
        messageId: 'm-id3',
        status: 'filtered',
        code: 'unsupported',
        message: 'Heap cannot store user properties for an anonymous user: identify needs a userId',
      },
    ],
  },
  {
    name: 'traits named id in any casing are dropped with a warning; Email stays a custom property beside email',
    events: [{ type: 'identify', userId: 'user-1', anonymousId: null, messageId: 'm-id4', traits: { id: 7, ID: 'x', email: 'a@b.co', Email: 'A@B.CO' } }],
    requests: [{ path: '/api/add_user_properties', body: { app_id: APP_ID, users: [{ identity: 'user-1', properties: { email: 'a@b.co', Email: 'A@B.CO' } }] } }],
    results: [
      {
        status: 'delivered',
        warnings: ['dropped user property "id": Heap does not allow "id" as a user property name', 'dropped user property "ID": Heap does not allow "id" as a user property name'],
      },
    ],
  },
  {
    name: 'group → add_account_properties with account_id = groupId',
    events: [{ type: 'group', groupId: 'acme', userId: 'user-123', messageId: 'm-g', traits: { name: 'Acme Inc', employees: 120, plan: { tier: 'gold' } } }],
    requests: [
      {
        path: '/api/add_account_properties',
        body: { app_id: APP_ID, accounts: [{ account_id: 'acme', properties: { name: 'Acme Inc', employees: 120, 'plan.tier': 'gold' } }] },
      },
    ],
    results: [{ status: 'delivered', httpStatus: 200, response: 'OK' }],
  },
  {
    name: 'group without a groupId fails naming groupId',
    events: [{ type: 'group', userId: 'user-123', messageId: 'm-g2', traits: { name: 'Acme' } }],
    requests: [],
    results: [{ status: 'failed', code: 'invalid_event', message: 'groupId: is required: Heap account properties need an account_id', warnings: [] }],
  },
  {
    name: 'nested objects flatten to dot paths, booleans become strings, nulls are dropped, scalar arrays join with ||',
    events: [
      {
        event: 'Settings Saved',
        userId: 'u-2',
        messageId: 'm-shape',
        properties: { address: { city: 'Berlin', geo: { lat: 52.5 } }, newsletter: false, beta: true, middle_name: null, tags: ['a', 'b', 3], empty: [] },
      },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            {
              identity: 'u-2',
              event: 'Settings Saved',
              properties: { 'address.city': 'Berlin', 'address.geo.lat': 52.5, newsletter: 'false', beta: 'true', tags: 'a||b||3' },
              idempotency_key: 'm-shape',
              timestamp: TS,
            },
          ],
        },
      },
    ],
    results: [{ status: 'delivered', warnings: [] }],
  },
  {
    name: 'Heap takes keys and values of fewer than 1024 characters: values are cut to 1023, names of 1024 dropped, each with a warning',
    events: [{ event: 'Long', userId: 'u-3', messageId: 'm-long', properties: { note: LONG_VALUE, edge: 'e'.repeat(1024), fits: 'f'.repeat(1023), [LONG_KEY]: 'x', [LONGEST_KEY]: 'y', ok: 1 } }],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [{ identity: 'u-3', event: 'Long', properties: { note: 'v'.repeat(1023), edge: 'e'.repeat(1023), fits: 'f'.repeat(1023), [LONGEST_KEY]: 'y', ok: 1 }, idempotency_key: 'm-long', timestamp: TS }],
        },
      },
    ],
    results: [
      {
        status: 'delivered',
        warnings: [
          'truncated property "note" from 1500 to 1023 characters (Heap takes fewer than 1024 characters in a value)',
          'truncated property "edge" from 1024 to 1023 characters (Heap takes fewer than 1024 characters in a value)',
          `dropped property "${'k'.repeat(40)}…": its name is 1024 characters; Heap takes fewer than 1024 characters in a name`,
        ],
      },
    ],
  },
  {
    name: 'an event name of exactly 1024 characters is sent (Heap: at most 1024); 1025 fails naming event',
    events: [
      { event: 'e'.repeat(1024), userId: 'u-3', messageId: 'm-name-1024', properties: {} },
      { event: 'e'.repeat(1025), userId: 'u-3', messageId: 'm-name-1025', properties: {} },
    ],
    requests: [{ path: '/api/track', body: { app_id: APP_ID, events: [{ identity: 'u-3', event: 'e'.repeat(1024), properties: {}, idempotency_key: 'm-name-1024', timestamp: TS }] } }],
    results: [
      { status: 'delivered', warnings: [] },
      { status: 'failed', code: 'invalid_event', message: 'event: the Heap event name is 1025 characters; Heap accepts at most 1024' },
    ],
  },
  {
    name: 'timestamps with an offset are sent in UTC; numeric userIds as strings; "null" userIds count as absent',
    events: [
      { event: 'Ping', userId: 42, messageId: 'm-ts', timestamp: '2026-02-25T16:30:00+02:00', properties: {} },
      { event: 'Ping', userId: 'null', anonymousId: 'anon-1', messageId: 'm-null', properties: {} },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            { identity: '42', event: 'Ping', properties: {}, idempotency_key: 'm-ts', timestamp: TS },
            { user_id: ANON_1, event: 'Ping', properties: {}, idempotency_key: 'm-null', timestamp: TS },
          ],
        },
      },
    ],
    results: [{ status: 'delivered' }, { status: 'delivered' }],
  },
  {
    name: 'events that cannot be delivered as given fail naming the field, and their neighbour is still sent',
    events: [
      { event: 'Orphan', anonymousId: undefined, userId: undefined, messageId: 'm-noid' },
      { type: 'alias', userId: 'u', messageId: 'm-type' },
      { event: '  ', userId: 'u', messageId: 'm-noname' },
      { event: 'Too Long', userId: 'u'.repeat(256), messageId: 'm-longid' },
      { event: 'Fine', userId: 'u-4', messageId: 'm-fine', properties: {} },
    ],
    requests: [{ path: '/api/track', body: { app_id: APP_ID, events: [{ identity: 'u-4', event: 'Fine', properties: {}, idempotency_key: 'm-fine', timestamp: TS }] } }],
    results: [
      { messageId: 'm-noid', status: 'failed', code: 'invalid_event', message: 'userId: the event has neither a userId nor an anonymousId, so Heap cannot attribute it to a user' },
      { messageId: 'm-type', status: 'failed', code: 'invalid_event', message: 'type: unknown event type "alias"; expected track, page, screen, identify or group' },
      { messageId: 'm-noname', status: 'failed', code: 'invalid_event', message: 'event: a track event needs a non-empty event name' },
      { messageId: 'm-longid', status: 'failed', code: 'invalid_event', message: "userId: userId is 256 characters; Heap accepts an identity of at most 255" },
      { messageId: 'm-fine', status: 'delivered' },
    ],
  },
  {
    name: 'ids that are numbers past 2^53 are never sent: the event fails naming the field and the way out',
    events: [
      { event: 'Big', userId: 12345678901234567890, messageId: 'm-big-user' },
      { event: 'Big', userId: 'u-5', anonymousId: -9007199254740993, messageId: 'm-big-anon' },
      { type: 'group', userId: 'u-5', groupId: 2 ** 60, messageId: 'm-big-group', traits: { plan: 'pro' } },
      { event: 'Safe', userId: 9007199254740991, messageId: 'm-safe', properties: {} },
    ],
    requests: [{ path: '/api/track', body: { app_id: APP_ID, events: [{ identity: '9007199254740991', event: 'Safe', properties: {}, idempotency_key: 'm-safe', timestamp: TS }] } }],
    results: [
      { messageId: 'm-big-user', status: 'failed', code: 'invalid_event', message: `userId: ${UNSAFE_ID_MESSAGE}` },
      { messageId: 'm-big-anon', status: 'failed', code: 'invalid_event', message: `anonymousId: ${UNSAFE_ID_MESSAGE}` },
      { messageId: 'm-big-group', status: 'failed', code: 'invalid_event', message: `groupId: ${UNSAFE_ID_MESSAGE}` },
      { messageId: 'm-safe', status: 'delivered' },
    ],
  },
  // Segment-spec events as both peer Heap destinations receive them (RudderStack's transformer, Segment's actions).
  {
    name: 'screen → the Heap event screenview, with the screen name and its properties (a mobile app’s page view)',
    events: [{ type: 'screen', name: 'Checkout', anonymousId: 'anon-1', messageId: 'm-screen', properties: { step: 2, tab: 'cart' } }],
    requests: [
      {
        path: '/api/track',
        body: { app_id: APP_ID, events: [{ user_id: ANON_1, event: 'screenview', properties: { step: 2, tab: 'cart', name: 'Checkout' }, idempotency_key: 'm-screen', timestamp: TS }] },
      },
    ],
    results: [{ messageId: 'm-screen', status: 'delivered', warnings: [] }],
  },
  {
    name: 'properties, context and traits that are null are read as absent, each said on its event',
    events: [
      { event: 'Null Props', userId: 'u-6', messageId: 'm-null-props', properties: null, traits: null, context: null },
      { type: 'page', name: 'Home', anonymousId: 'anon-1', messageId: 'm-null-context', properties: { a: 1 }, context: null },
      { type: 'identify', userId: 'u-6', anonymousId: null, messageId: 'm-null-traits', traits: null, context: { traits: null } },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            { identity: 'u-6', event: 'Null Props', properties: {}, idempotency_key: 'm-null-props', timestamp: TS },
            { user_id: ANON_1, event: 'pageview', properties: { a: 1, name: 'Home' }, idempotency_key: 'm-null-context', timestamp: TS },
          ],
        },
      },
    ],
    results: [
      { messageId: 'm-null-props', status: 'delivered', warnings: ['properties is null: read as absent'] },
      { messageId: 'm-null-context', status: 'delivered', warnings: ['context is null: read as absent'] },
      { messageId: 'm-null-traits', status: 'filtered', code: 'not_mapped', message: 'the identify call carried no traits and nothing to merge', warnings: ['traits is null: read as absent'] },
    ],
  },
  {
    name: 'no timestamp: originalTimestamp is the time, corrected for the sender’s clock when sentAt and receivedAt are there; which rule applied is said',
    events: [
      { event: 'Offline', userId: 'u-7', messageId: 'm-original', timestamp: undefined, originalTimestamp: '2026-02-25T15:29:58+01:00', properties: {} },
      // The device clock runs 5 minutes fast: sent at 14:05 by its clock, received at 14:35.
      { event: 'Skewed', userId: 'u-7', messageId: 'm-skewed', timestamp: undefined, originalTimestamp: '2026-02-25T14:00:00.000Z', sentAt: '2026-02-25T14:05:00.000Z', receivedAt: '2026-02-25T14:35:00.000Z', properties: {} },
      { event: 'Both', userId: 'u-7', messageId: 'm-both', originalTimestamp: '2020-01-01T00:00:00.000Z', properties: {} },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            { identity: 'u-7', event: 'Offline', properties: {}, idempotency_key: 'm-original', timestamp: '2026-02-25T14:29:58.000Z' },
            { identity: 'u-7', event: 'Skewed', properties: {}, idempotency_key: 'm-skewed', timestamp: TS },
            { identity: 'u-7', event: 'Both', properties: {}, idempotency_key: 'm-both', timestamp: TS },
          ],
        },
      },
    ],
    results: [
      {
        status: 'delivered',
        warnings: ["time from originalTimestamp 2026-02-25T14:29:58.000Z as sent (without a readable sentAt and receivedAt the sender's clock cannot be corrected)"],
      },
      {
        status: 'delivered',
        warnings: [
          "time from originalTimestamp 2026-02-25T14:00:00.000Z, corrected for the sender's clock: receivedAt 2026-02-25T14:35:00.000Z − (sentAt 2026-02-25T14:05:00.000Z − originalTimestamp) = 2026-02-25T14:30:00.000Z",
        ],
      },
      { status: 'delivered', warnings: [] },
    ],
  },
  {
    name: 'a timestamp in epoch milliseconds is sent as ISO 8601; one in seconds is not read as 1970 but said, and Heap stamps the event',
    events: [
      { event: 'Millis', userId: 'u-8', messageId: 'm-millis', timestamp: Date.parse(TS), properties: {} },
      { event: 'Seconds', userId: 'u-8', messageId: 'm-seconds', timestamp: Date.parse(TS) / 1000, properties: {} },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            { identity: 'u-8', event: 'Millis', properties: {}, idempotency_key: 'm-millis', timestamp: TS },
            { identity: 'u-8', event: 'Seconds', properties: {}, idempotency_key: 'm-seconds' },
          ],
        },
      },
    ],
    results: [
      { status: 'delivered', warnings: [] },
      {
        status: 'delivered',
        warnings: [
          'timestamp 1772029800 was not read: it as a number must be epoch milliseconds from 2000-01-01 to 2100-01-01 (946684800000 to 4102444799999); this looks like seconds: multiply by 1000; or send an ISO 8601 date-time such as 2026-02-25T14:30:00.000Z; sent without a time, so the receiving end uses the time it receives it',
        ],
      },
    ],
  },
  {
    name: 'context.traits of an identified track or page go to Heap as user properties beside the event; an anonymous event’s are said not sent',
    events: [
      { event: 'Plan Viewed', userId: 'u-9', messageId: 'm-ctx-traits', properties: { plan: 'pro' }, context: { traits: { email: 'jane@example.com', company: { name: 'Acme' }, id: 7 } } },
      { type: 'page', name: 'Pricing', anonymousId: 'anon-1', messageId: 'm-ctx-anon', context: { traits: { plan: 'free' } } },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            { identity: 'u-9', event: 'Plan Viewed', properties: { plan: 'pro' }, idempotency_key: 'm-ctx-traits', timestamp: TS },
            { user_id: ANON_1, event: 'pageview', properties: { name: 'Pricing' }, idempotency_key: 'm-ctx-anon', timestamp: TS },
          ],
        },
      },
      { path: '/api/add_user_properties', body: { app_id: APP_ID, users: [{ identity: 'u-9', properties: { email: 'jane@example.com', 'company.name': 'Acme' } }] } },
    ],
    results: [
      { status: 'delivered', requests: 2, warnings: ['context.traits: dropped user property "id": Heap does not allow "id" as a user property name'] },
      { status: 'delivered', requests: 1, warnings: ['context.traits were not sent: Heap keeps user properties for identified users only, and the event has no userId'] },
    ],
  },
  {
    name: 'options.identity.context_traits "ignore": the event alone, and its result says the traits were not sent',
    options: { identity: { context_traits: 'ignore' } },
    events: [{ event: 'Plan Viewed', userId: 'u-9', messageId: 'm-ctx-ignored', context: { traits: { plan: 'pro' } } }],
    requests: [{ path: '/api/track', body: { app_id: APP_ID, events: [{ identity: 'u-9', event: 'Plan Viewed', properties: {}, idempotency_key: 'm-ctx-ignored', timestamp: TS }] } }],
    results: [{ status: 'delivered', requests: 1, warnings: ['context.traits were not sent: the blueprint sets options.identity.context_traits to "ignore"'] }],
  },
  {
    name: 'a value to_number cannot read is sent as given, and the warning says so (the properties → * rule copied it)',
    events: [{ event: 'Product Viewed', userId: 'u-10', messageId: 'm-nan-price', properties: { sku: 'S-1', price: 'call us' } }],
    requests: [{ path: '/api/track', body: { app_id: APP_ID, events: [{ identity: 'u-10', event: 'Product Viewed', properties: { sku: 'S-1', price: 'call us' }, idempotency_key: 'm-nan-price', timestamp: TS }] } }],
    results: [{ status: 'delivered', warnings: ['mapping properties.price → price: "call us" is not a number; "price" keeps "call us", set by an earlier mapping'] }],
  },
  {
    name: 'nulls inside an array of scalars keep their place as empty values between the separators',
    events: [{ event: 'Tagged', userId: 'u-11', messageId: 'm-array-nulls', properties: { tags: ['a', null, true], sizes: [null, 42] } }],
    requests: [{ path: '/api/track', body: { app_id: APP_ID, events: [{ identity: 'u-11', event: 'Tagged', properties: { tags: 'a||||true', sizes: '||42' }, idempotency_key: 'm-array-nulls', timestamp: TS }] } }],
    results: [{ status: 'delivered', warnings: [] }],
  },
  {
    name: 'a userId of 0 or "0" is a placeholder like "null": the event goes as its anonymous user, never merged into identity "0", and says so',
    events: [
      { event: 'Zero', userId: 0, anonymousId: 'anon-1', messageId: 'm-zero-number', properties: {} },
      { type: 'identify', userId: '0', anonymousId: 'anon-1', messageId: 'm-zero-identify', traits: { plan: 'pro' } },
      { event: 'Zero', userId: '0', anonymousId: undefined, messageId: 'm-zero-only', properties: {} },
      { event: 'Null', userId: 'null', anonymousId: 'anon-1', messageId: 'm-null-string', properties: {} },
    ],
    requests: [
      {
        path: '/api/track',
        body: {
          app_id: APP_ID,
          events: [
            { user_id: ANON_1, event: 'Zero', properties: {}, idempotency_key: 'm-zero-number', timestamp: TS },
            { user_id: ANON_1, event: 'Null', properties: {}, idempotency_key: 'm-null-string', timestamp: TS },
          ],
        },
      },
    ],
    results: [
      { status: 'delivered', warnings: ['userId 0 is a placeholder for no user (like "", "null", "undefined", "0"), not an id: sent as the anonymous user of anonymousId'] },
      {
        status: 'filtered',
        code: 'unsupported',
        message: 'Heap cannot store user properties for an anonymous user: identify needs a userId',
        warnings: [`${PLACEHOLDER_0}: sent as the anonymous user of anonymousId`],
      },
      { status: 'failed', code: 'invalid_event', message: `userId: ${PLACEHOLDER_0}: the event has neither a userId nor an anonymousId, so Heap cannot attribute it to a user` },
      { status: 'delivered', warnings: ['userId "null" is a placeholder for no user (like "", "null", "undefined", "0"), not an id: sent as the anonymous user of anonymousId'] },
    ],
  },
];

describe('conformance: canonical events → exact Heap requests (judged by our Heap sandbox; the bodies also against Heap\'s samples in heap-documented-bodies.test.ts)', () => {
  let sandbox: HeapSandbox;
  let adapter: DeliveryAdapter;

  beforeAll(async () => {
    sandbox = await startSandbox();
    adapter = heapAdapter(sandbox);
  });
  afterAll(async () => {
    await adapter.close();
    await sandbox.stop();
  });
  beforeEach(() => sandbox.reset());

  it.each(table.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const rowAdapter = row.options ? heapAdapter(sandbox, { blueprint: withOptions(row.options) }) : adapter;
    const results = await rowAdapter.deliver(row.events.map((e) => event(e))).finally(() => rowAdapter !== adapter && rowAdapter.close());
    expect(results).toHaveLength(row.events.length);
    results.forEach((result, i) => expect(result).toMatchObject(row.results[i]));
    expect(sortByPath(requestsOf(sandbox))).toEqual(sortByPath(row.requests));
    expect(sandbox.recordedRequests().map((r) => [r.path, r.status])).toEqual(sandbox.recordedRequests().map((r) => [r.path, 200]));
  });
});

/** The default blueprint with some of its Heap options changed. */
function withOptions(options: Record<string, Record<string, unknown>>): Blueprint {
  const blueprint = heapPlugin().defaultBlueprint();
  for (const [group, values] of Object.entries(options)) Object.assign(blueprint.options[group] as object, values);
  return blueprint;
}

function sortByPath(requests: { path: string; body: unknown }[]) {
  return [...requests].sort((a, b) => a.path.localeCompare(b.path));
}
