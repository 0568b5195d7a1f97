import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { HeapSandbox } from '../../src/sandbox/server.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { basic, error, inspect, post } from '../helpers/sandbox-client.js';

const UNKNOWN = '999';
const OTHER_APP = '555';

/** One request to each ingestion endpoint for `appId`, in Heap's words. */
const ingestion = (appId: string) =>
  [
    ['/api/track', { app_id: appId, events: [{ event: 'E', identity: 'u', idempotency_key: 'k1' }] }],
    ['/api/add_user_properties', { app_id: appId, identity: 'u', properties: { plan: 'pro' } }],
    ['/api/add_account_properties', { app_id: appId, account_id: 'acme', properties: { seats: 3 } }],
    ['/api/v1/identify', { app_id: appId, user_id: '42', identity: 'u' }],
  ] as const;

/**
 * The sandbox knows its account's apps. Heap does not document an unknown app_id; one integrator
 * reports a silent 200 with the data going nowhere, so that is the default; `reject` makes it loud.
 */
describe('Heap sandbox: known and unknown app ids', () => {
  describe('by default (drop)', () => {
    let sandbox: HeapSandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ appIds: [OTHER_APP] });
    });
    afterAll(() => sandbox.stop());
    beforeEach(() => sandbox.reset());

    it('answers 200 for an unknown app_id, keeps nothing of it, counts it and marks the request dropped', async () => {
      const answers = [];
      for (const [path, body] of ingestion(UNKNOWN)) answers.push(await post(sandbox, path, body));
      expect(answers.map((a) => [a.status, a.text])).toEqual([
        [200, '{}'],
        [200, '{}'],
        [200, 'OK'],
        [200, '{}'],
      ]);
      expect(await inspect(sandbox, 'events')).toEqual([]);
      expect(await inspect(sandbox, 'users')).toEqual({});
      expect(await inspect(sandbox, 'accounts')).toEqual({});
      expect(await inspect(sandbox, 'merges')).toEqual([]);
      expect(await inspect(sandbox, 'stats')).toMatchObject({
        requests: 4,
        by_status: { 200: 4 },
        events_accepted: 0,
        unique_idempotency_keys: 0,
        users: 0,
        accounts: 0,
        merges: 0,
        unknown_app_ids: { [UNKNOWN]: 4 },
      });
      const recorded = await inspect<{ path: string; status: number; dropped?: string }[]>(sandbox, 'requests');
      expect(recorded.map(({ path, status, dropped }) => ({ path, status, dropped }))).toEqual(ingestion(UNKNOWN).map(([path]) => ({ path, status: 200, dropped: 'unknown app_id' })));
    });

    it('keeps the data of its credentials’ app and of appIds, without a dropped mark', async () => {
      for (const appId of [APP_ID, OTHER_APP]) for (const [path, body] of ingestion(appId)) expect((await post(sandbox, path, body)).status).toBe(200);
      expect(sandbox.stats()).toMatchObject({ events_accepted: 2, unique_idempotency_keys: 2, users: 2, accounts: 2, merges: 2, unknown_app_ids: {} });
      expect(sandbox.recordedEvents().map((e) => e.app_id)).toEqual([APP_ID, OTHER_APP]);
      expect(await inspect(sandbox, 'users')).toEqual({ [`${APP_ID}:u`]: { plan: 'pro' }, [`${OTHER_APP}:u`]: { plan: 'pro' } });
      expect(sandbox.recordedRequests().filter((r) => 'dropped' in r)).toEqual([]);
    });

    it('leaves no dedup key behind: the same idempotency key later arrives for a known app', async () => {
      const event = { event: 'E', identity: 'u', idempotency_key: 'shared' };
      await post(sandbox, '/api/track', { app_id: UNKNOWN, ...event });
      await post(sandbox, '/api/track', { app_id: APP_ID, ...event });
      expect(sandbox.stats()).toMatchObject({ events_accepted: 1, duplicates: 0, unknown_app_ids: { [UNKNOWN]: 1 } });
    });

    it('still checks the request: a malformed one is refused whatever its app', async () => {
      const answer = await post(sandbox, '/api/track', { app_id: UNKNOWN, events: [{ event: 'E' }] });
      expect(answer).toMatchObject({ status: 400, text: error('events[0].identity: exactly one of identity or user_id is required') });
    });

    it('issues no access token for an app it has no credentials for', async () => {
      const answer = await post(sandbox, '/api/public/v0/auth_token', '', basic(UNKNOWN, API_KEY));
      expect(answer).toMatchObject({ status: 401, text: error('Unauthorized') });
      // appIds makes an app known to ingestion, not a holder of an API key.
      expect((await post(sandbox, '/api/public/v0/auth_token', '', basic(OTHER_APP, API_KEY))).status).toBe(401);
    });
  });

  describe('with unknownAppIds: reject', () => {
    let sandbox: HeapSandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ unknownAppIds: 'reject' });
    });
    afterAll(() => sandbox.stop());

    it('answers 400 naming the app_id, in plain text for account properties', async () => {
      const answers = [];
      for (const [path, body] of ingestion(UNKNOWN)) answers.push(await post(sandbox, path, body));
      const message = `app_id: ${UNKNOWN} is not an app of this Heap account`;
      expect(answers.map((a) => [a.status, a.text])).toEqual([
        [400, error(message)],
        [400, error(message)],
        [400, message],
        [400, error(message)],
      ]);
      expect(sandbox.stats()).toMatchObject({ by_status: { 400: 4 }, events_accepted: 0, users: 0, accounts: 0, merges: 0, unknown_app_ids: { [UNKNOWN]: 4 } });
      expect((await post(sandbox, '/api/track', { app_id: APP_ID, event: 'E', identity: 'u' })).status).toBe(200);
    });
  });

  describe("with appIds: '*'", () => {
    let sandbox: HeapSandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ appIds: '*', unknownAppIds: 'reject' });
    });
    afterAll(() => sandbox.stop());

    it('takes any app_id as one of its own (benchmarks with many apps)', async () => {
      for (const appId of ['1', '22', '333']) expect((await post(sandbox, '/api/track', { app_id: appId, event: 'E', identity: 'u' })).status).toBe(200);
      expect(sandbox.recordedEvents().map((e) => e.app_id)).toEqual(['1', '22', '333']);
      expect(sandbox.stats().unknown_app_ids).toEqual({});
    });
  });

  it.each([
    [{ appIds: ['12a'] }, 'Heap sandbox option appIds[0]: must be a numeric app_id'],
    [{ appIds: 'all' }, 'Heap sandbox option appIds: must be a list of numeric app_ids or "*"'],
    [{ unknownAppIds: 'ignore' }, 'Heap sandbox option unknownAppIds: must be drop or reject'],
    [{ credentials: [{ app_id: 'x', api_key: 'k' }] }, 'Heap sandbox option credentials[0].app_id: must be a numeric app_id'],
  ])('refuses the option %j', (options, message) => {
    expect(() => new HeapSandbox(options as never)).toThrow(message);
  });
});
