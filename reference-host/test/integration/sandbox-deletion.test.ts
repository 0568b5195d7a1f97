import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { accessToken, bearer, call, error, inspect, post } from '../helpers/sandbox-client.js';

const OTHER_APP = '555';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Heap's privacy API end to end: a token from auth_token, user_deletion removes what the sandbox
 * recorded of those users in the token's app, deletion_status goes pending → complete.
 */
describe('Heap sandbox: user deletion', () => {
  let sandbox: HeapSandbox;
  let token: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ appIds: [OTHER_APP] });
    token = await accessToken(sandbox, APP_ID, API_KEY);
  });
  afterAll(() => sandbox.stop());
  beforeEach(() => sandbox.reset());

  /** alice (with anonymous 111 merged in), bob (with 333 merged in), anonymous 222, and alice in another app. */
  async function recordUsers(): Promise<void> {
    const events = [
      { event: 'Signed Up', identity: 'alice' },
      { event: 'Order Completed', identity: 'alice' },
      { event: 'Page', user_id: '111' },
      { event: 'Page', identity: 'bob' },
      { event: 'Page', user_id: '222' },
      { event: 'Page', user_id: '333' },
    ];
    const ok = [
      await post(sandbox, '/api/track', { app_id: APP_ID, events }),
      await post(sandbox, '/api/track', { app_id: OTHER_APP, event: 'Page', identity: 'alice' }),
      await post(sandbox, '/api/add_user_properties', { app_id: APP_ID, users: [{ identity: 'alice', properties: { plan: 'pro' } }, { identity: 'bob', properties: { plan: 'free' } }] }),
      await post(sandbox, '/api/add_user_properties', { app_id: OTHER_APP, identity: 'alice', properties: { plan: 'team' } }),
      await post(sandbox, '/api/v1/identify', { app_id: APP_ID, user_id: '111', identity: 'alice' }),
      await post(sandbox, '/api/v1/identify', { app_id: APP_ID, user_id: '333', identity: 'bob' }),
    ];
    expect(ok.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
  }

  const deleteUsers = (users: unknown[], headers: Record<string, string> = bearer(token)) => post(sandbox, '/api/public/v0/user_deletion', { users }, headers);
  const poll = (id: string, headers: Record<string, string> = bearer(token)) => call(sandbox, 'GET', `/api/public/v0/deletion_status/${id}`, undefined, headers);
  const eventsLeft = async () => (await inspect<{ app_id: string; event: string; identity?: string; user_id?: string }[]>(sandbox, 'events')).map((e) => `${e.app_id} ${e.identity ?? e.user_id} ${e.event}`);

  it('removes a deleted identity’s properties, events, merges and merged anonymous activity, and a user_id’s events', async () => {
    await recordUsers();
    const answer = await deleteUsers([{ identity: 'alice' }, { user_id: '222' }]);
    const id = (JSON.parse(answer.text) as { deletion_request_id: string }).deletion_request_id;
    expect(id).toMatch(UUID);
    expect(answer).toMatchObject({
      status: 201,
      text: JSON.stringify({ deletion_request_id: id, deletion_request_location: `/api/public/v0/deletion_status/${id}`, status: 'pending' }),
    });

    expect(await eventsLeft()).toEqual([`${APP_ID} bob Page`, `${APP_ID} 333 Page`, `${OTHER_APP} alice Page`]);
    expect(await inspect(sandbox, 'users')).toEqual({ [`${APP_ID}:bob`]: { plan: 'free' }, [`${OTHER_APP}:alice`]: { plan: 'team' } });
    expect(await inspect(sandbox, 'merges')).toEqual([{ app_id: APP_ID, user_id: '333', identity: 'bob' }]);
    const [listed] = await inspect(sandbox, 'deletions');
    expect(listed).toEqual({
      deletion_request_id: id,
      app_id: APP_ID,
      users: [{ identity: 'alice' }, { user_id: '222' }],
      requested_at: expect.stringMatching(ISO),
      polls: 0,
      removed: { user_properties: 1, events: 4, merges: 1 },
      status: 'pending',
    });
    expect(await inspect(sandbox, 'stats')).toMatchObject({ events_accepted: 7, users: 2, merges: 1, deletions: 1, users_deleted: 2, events_deleted: 4 });

    // By user_id alone: the anonymous user's events and its merge go; the identity it was merged into stays.
    await deleteUsers([{ user_id: '333' }]);
    expect(await eventsLeft()).toEqual([`${APP_ID} bob Page`, `${OTHER_APP} alice Page`]);
    expect(await inspect(sandbox, 'merges')).toEqual([]);
    expect(sandbox.userProperties(APP_ID, 'bob')).toEqual({ plan: 'free' });
    expect(sandbox.recordedDeletions().map((d) => d.removed)).toEqual([
      { user_properties: 1, events: 4, merges: 1 },
      { user_properties: 0, events: 1, merges: 1 },
    ]);
  });

  it('reports pending until the status has been polled once, then complete; 404 for an id it never issued', async () => {
    const answer = await deleteUsers([{ identity: 'nobody' }]);
    const id = (JSON.parse(answer.text) as { deletion_request_id: string }).deletion_request_id;
    expect(await poll(id)).toMatchObject({ status: 200, text: JSON.stringify({ deletion_request_id: id, status: 'pending' }) });
    expect(await poll(id)).toMatchObject({ status: 200, text: JSON.stringify({ deletion_request_id: id, status: 'complete' }) });
    expect((await inspect(sandbox, 'deletions'))[0]).toMatchObject({ status: 'complete', polls: 2, removed: { user_properties: 0, events: 0, merges: 0 } });
    expect(await poll('no-such-id')).toMatchObject({ status: 404, text: error('no deletion request no-such-id') });
  });

  it('answers 401 without a valid Bearer token, and deletes nothing', async () => {
    await recordUsers();
    const message = error('a valid Bearer access token is required');
    expect(await deleteUsers([{ identity: 'alice' }], {})).toMatchObject({ status: 401, text: message });
    expect(await deleteUsers([{ identity: 'alice' }], bearer('not-a-token'))).toMatchObject({ status: 401, text: message });
    expect(await deleteUsers([{ identity: 'alice' }], { authorization: `Basic ${Buffer.from(`${APP_ID}:${API_KEY}`).toString('base64')}` })).toMatchObject({ status: 401, text: message });
    expect(await poll('any', {})).toMatchObject({ status: 401, text: message });
    expect(sandbox.stats()).toMatchObject({ events_accepted: 7, users: 3, deletions: 0, users_deleted: 0 });
    expect(sandbox.userProperties(APP_ID, 'alice')).toEqual({ plan: 'pro' });
  });

  it.each([
    [{}, 'users: must be a non-empty array'],
    [{ users: [] }, 'users: must be a non-empty array'],
    [{ users: ['alice'] }, 'users[0]: must be an object'],
    [{ users: [{ identity: 'a', user_id: '1' }] }, 'users[0].identity: exactly one of identity or user_id is required'],
    [{ users: [{ user_id: 'x' }] }, 'users[0].user_id: must be a decimal string holding an integer between 0 and 2^53-1'],
    [{ users: Array.from({ length: 10_001 }, (_, i) => ({ user_id: String(i) })) }, 'users: holds 10001 users; at most 10000 are allowed'],
  ])('refuses the deletion body %#: %s', async (body, message) => {
    expect(await post(sandbox, '/api/public/v0/user_deletion', body, bearer(token))).toMatchObject({ status: 400, text: error(message) });
    expect(sandbox.stats().deletions).toBe(0);
  });

  it('takes 10,000 users in one request', async () => {
    const answer = await deleteUsers(Array.from({ length: 10_000 }, (_, i) => ({ identity: `user-${i}` })));
    expect(answer.status).toBe(201);
    expect(sandbox.stats()).toMatchObject({ deletions: 1, users_deleted: 10_000 });
  });

  it('records a deleted identity again when new data arrives for it, as Heap creates unknown users', async () => {
    await recordUsers();
    await deleteUsers([{ identity: 'alice' }]);
    await post(sandbox, '/api/add_user_properties', { app_id: APP_ID, identity: 'alice', properties: { plan: 'new' } });
    expect(sandbox.userProperties(APP_ID, 'alice')).toEqual({ plan: 'new' });
  });
});

describe('Heap sandbox: user deletion with deletionDelayMs', () => {
  it('reports complete once the delay has passed, however often it was polled', async () => {
    const sandbox = await startSandbox({ deletionDelayMs: 0 });
    const slow = await startSandbox({ deletionDelayMs: 3_600_000 });
    try {
      for (const [s, expected] of [
        [sandbox, ['complete', 'complete']],
        [slow, ['pending', 'pending']],
      ] as const) {
        const token = await accessToken(s, APP_ID, API_KEY);
        const id = JSON.parse((await post(s, '/api/public/v0/user_deletion', { users: [{ identity: 'a' }] }, bearer(token))).text).deletion_request_id as string;
        const statuses = [];
        for (let i = 0; i < 2; i++) statuses.push(JSON.parse((await call(s, 'GET', `/api/public/v0/deletion_status/${id}`, undefined, bearer(token))).text).status);
        expect(statuses).toEqual(expected);
      }
    } finally {
      await sandbox.stop();
      await slow.stop();
    }
  });
});
