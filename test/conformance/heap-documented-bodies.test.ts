import { describe, expect, it } from '@jest/globals';
import type { DataflyEvent } from '../../src/contract/index.js';
import { anonymousUserId } from '../../src/heap/identity.js';
import { heapPlugin } from '../../reference-host/test/helpers/heap.js';

/**
 * The plugin's request bodies against the sample bodies of Heap's own API reference
 * (developers.heap.io: Track, Bulk Track, Bulk Add User Properties, Bulk Add Account Properties,
 * Identify), not against our sandbox: for each sample, canonical events that say the same thing, and
 * the body the plugin builds for them (its preview: nothing is sent) must match the sample field for
 * field. The samples are written here as the reference shows them; the published pages mask their
 * e-mail addresses, so example addresses stand in. Identify has no sample body: its row is written
 * from the parameters the reference lists, with its example's identity.
 *
 * Where the plugin and a sample differ in form only, the comparison applies what the reference itself
 * says is the same, and nothing else:
 * - a single-form body is the bulk form with one item ("the same endpoint ... the only difference is
 *   that it takes an events array"; the plugin always sends the bulk form);
 * - timestamps are ISO 8601 instants (`+00:00` and `.000Z` name the same one);
 * - a track property's array "is stored as the string" of its items joined with `||`;
 * - a field the plugin adds must be one of the call's documented parameters (the samples leave out
 *   the optional `idempotency_key`), and is named by the test.
 */

const APP = '11';
const TIMESTAMP = '2017-03-10T22:21:56+00:00';

/** The body parameters each call's reference lists, per item of the bulk form. */
const DOCUMENTED_ITEM_FIELDS: Record<string, readonly string[]> = {
  '/api/track': ['identity', 'user_id', 'event', 'properties', 'timestamp', 'idempotency_key', 'session_id'],
  '/api/add_user_properties': ['identity', 'properties'],
  '/api/add_account_properties': ['account_id', 'properties'],
  '/api/v1/identify': ['user_id', 'identity', 'timestamp'],
};
const BULK_KEY: Record<string, string | undefined> = { '/api/track': 'events', '/api/add_user_properties': 'users', '/api/add_account_properties': 'accounts' };

interface DocumentedSample {
  /** Heap's reference page the sample comes from. */
  page: string;
  url: string;
  body: Record<string, unknown>;
  /** Canonical events that say what the sample says. */
  events: Record<string, unknown>[];
}

const samples: DocumentedSample[] = [
  {
    page: 'Track (single form, an array property)',
    url: 'https://heapanalytics.com/api/track',
    body: {
      app_id: APP,
      identity: 'alice@example.com',
      event: 'Send Transactional Email',
      timestamp: TIMESTAMP,
      properties: { subject: 'Welcome to My App!', variation: 'A', flavors: ['vanilla', 'chocolate', 'strawberry'] },
    },
    events: [
      { type: 'track', event: 'Send Transactional Email', userId: 'alice@example.com', timestamp: TIMESTAMP, properties: { subject: 'Welcome to My App!', variation: 'A', flavors: ['vanilla', 'chocolate', 'strawberry'] } },
    ],
  },
  {
    page: 'Bulk Track',
    url: 'https://heapanalytics.com/api/track',
    body: {
      app_id: '12343283',
      events: [
        { identity: 'joe.customer@example.com', timestamp: '2016-05-10T22:21:56+00:00', event: 'Phone Call', properties: { 'Sales Rep': 'Joe Smith', Duration: '15 minutes', Purpose: 'Discovery Call' } },
        { identity: 'sue.customer@example.com', timestamp: '2016-05-10T22:23:56+00:00', event: 'Phone Call', properties: { 'Sales Rep': 'Susie Smith', Duration: '30 minutes', Purpose: 'Discovery Call' } },
      ],
    },
    events: [
      { type: 'track', event: 'Phone Call', userId: 'joe.customer@example.com', timestamp: '2016-05-10T22:21:56+00:00', properties: { 'Sales Rep': 'Joe Smith', Duration: '15 minutes', Purpose: 'Discovery Call' } },
      { type: 'track', event: 'Phone Call', userId: 'sue.customer@example.com', timestamp: '2016-05-10T22:23:56+00:00', properties: { 'Sales Rep': 'Susie Smith', Duration: '30 minutes', Purpose: 'Discovery Call' } },
    ],
  },
  {
    page: 'Bulk Add User Properties (lowercase email: the built-in Email property)',
    url: 'https://heapanalytics.com/api/add_user_properties',
    body: {
      app_id: '12345',
      users: [
        { identity: 'admin@example.com', properties: { Role: 'Admin', Vertical: 'Ecommerce', email: 'admin@example.com' } },
        { identity: 'user@example.com', properties: { Role: 'User', Vertical: 'Saas', email: 'user@example.com' } },
      ],
    },
    events: [
      { type: 'identify', userId: 'admin@example.com', timestamp: TIMESTAMP, traits: { Role: 'Admin', Vertical: 'Ecommerce', email: 'admin@example.com' } },
      { type: 'identify', userId: 'user@example.com', timestamp: TIMESTAMP, traits: { Role: 'User', Vertical: 'Saas', email: 'user@example.com' } },
    ],
  },
  {
    page: 'Bulk Add Account Properties',
    url: 'https://heapanalytics.com/api/add_account_properties',
    body: {
      app_id: '123456789',
      accounts: [
        { account_id: 'Fake Account', properties: { is_in_good_standing: 'true', revenue_potential: '123456', account_hq: 'United Kingdom', subscription: 'Monthly' } },
        { account_id: 'Other Account', properties: { is_in_good_standing: 'false', will_churn: 'true', account_hq: 'Germany', subscription: 'Yearly' } },
      ],
    },
    events: [
      { type: 'group', userId: 'admin@example.com', timestamp: TIMESTAMP, groupId: 'Fake Account', traits: { is_in_good_standing: 'true', revenue_potential: '123456', account_hq: 'United Kingdom', subscription: 'Monthly' } },
      { type: 'group', userId: 'admin@example.com', timestamp: TIMESTAMP, groupId: 'Other Account', traits: { is_in_good_standing: 'false', will_churn: 'true', account_hq: 'Germany', subscription: 'Yearly' } },
    ],
  },
  {
    page: 'Identify (from its parameters: user_id from the Heap SDK, the example identity "susan")',
    url: 'https://heapanalytics.com/api/v1/identify',
    // Heap's user_id comes from its SDK; the plugin derives it from the anonymousId.
    body: { app_id: APP, user_id: anonymousUserId('visitor-123'), identity: 'susan', timestamp: TIMESTAMP },
    events: [{ type: 'identify', userId: 'susan', anonymousId: 'visitor-123', timestamp: TIMESTAMP, traits: {} }],
  },
];

type Item = Record<string, unknown>;

/** A body as a list of items in the bulk form, with what the reference says is the same made equal. */
function items(path: string, body: Record<string, unknown>): { appId: unknown; items: Item[] } {
  const { app_id: appId, ...rest } = body;
  const key = BULK_KEY[path];
  const listed = key !== undefined && Array.isArray(rest[key]) ? (rest[key] as Item[]) : [rest];
  return { appId, items: listed.map((item) => sameForm(path, item)) };
}

function sameForm(path: string, item: Item): Item {
  const out: Item = { ...item };
  if (typeof out.timestamp === 'string') out.timestamp = new Date(out.timestamp).toISOString();
  if (path === '/api/track' && out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(out.properties as Item).map(([k, v]) => [k, Array.isArray(v) ? v.join('||') : v]));
  }
  return out;
}

function pluginRequests(appId: string, events: Record<string, unknown>[]) {
  const plugin = heapPlugin();
  // No endpoint: the requests name Heap's own URLs, as the reference does.
  const adapter = plugin.createAdapter({ integrationId: 'int_docs', config: { app_id: appId, api_key: 'docs-sample-key' }, blueprint: plugin.defaultBlueprint() });
  const canonical = events.map((e, i) => ({ messageId: `docs-${i + 1}`, ...e }) as DataflyEvent);
  const preview = adapter.preview(canonical);
  expect(preview.results.map((r) => [r.messageId, r.status, r.warnings])).toEqual(canonical.map((e) => [e.messageId, 'send', []]));
  return preview.requests.map((r) => ({ url: r.url, path: new URL(r.url).pathname, body: JSON.parse(r.body) as Record<string, unknown> }));
}

describe("the plugin's request bodies against Heap's documented sample bodies", () => {
  it.each(samples.map((s) => [s.page, s] as const))('%s', (_page, sample) => {
    const path = new URL(sample.url).pathname;
    const sent = pluginRequests(String(sample.body.app_id), sample.events).filter((r) => r.path === path);
    expect(sent.map((r) => r.url)).toEqual([sample.url]);

    const documented = items(path, sample.body);
    const built = items(path, sent[0].body);
    expect(built.appId).toBe(documented.appId);
    // Fields the plugin adds are the call's documented parameters, named here; the rest match the sample.
    const added = built.items.map((item, i) => Object.keys(item).filter((k) => !(k in (documented.items[i] ?? {}))));
    for (const fields of added) expect(fields.filter((f) => !DOCUMENTED_ITEM_FIELDS[path].includes(f))).toEqual([]);
    const withoutAdded = built.items.map((item, i) => Object.fromEntries(Object.entries(item).filter(([k]) => !added[i].includes(k))));
    expect(withoutAdded).toEqual(documented.items);
  });

  it('adds to a track item only the idempotency_key the reference offers against duplicates, set to the messageId', () => {
    const [track] = pluginRequests(APP, samples[0].events);
    expect(track.body.events).toEqual([expect.objectContaining({ idempotency_key: 'docs-1' })]);
  });
});
