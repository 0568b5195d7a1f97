import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataflyEvent, DeliveryAdapter, RateLimit } from '@datafly/heap-integration/contract';
import { silentLogger } from '@datafly/heap-integration/contract';
import { anonymousUserId } from '@datafly/heap-integration';
import { InstallationLimiter } from '../../src/common/pacing/rate-limits.js';
import { Store } from '../../src/host/store/store.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { ENGINES, freshLocation, type EngineName } from '../helpers/engines.js';
import { APP_ID, heapAdapter, startSandbox, TS } from '../helpers/heap.js';

/** The host's rate-limit policy over its shared buckets, with the Heap plugin's keys, on each engine. */
describe.each(ENGINES)('rate-limit policy on %s', (engine: EngineName) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let sandbox: HeapSandbox;
  let adapter: DeliveryAdapter;
  const limits = (): RateLimit[] => [
    { name: 'events_per_app', scope: 'app', unit: 'events', limit: 15000, window_ms: 60000, event_types: ['track', 'page'] },
    { name: 'events_per_identity', scope: 'user', unit: 'events', limit: 1000, window_ms: 60000, event_types: ['track', 'page'] },
    { name: 'user_property_calls_per_identity', scope: 'user', unit: 'requests', limit: 30, window_ms: 30000, event_types: ['track', 'page', 'identify'] },
  ];
  const event = (over: Record<string, unknown>) => ({ type: 'track', event: 'E', timestamp: TS, ...over }) as unknown as DataflyEvent;

  beforeAll(async () => {
    const place = await freshLocation(engine);
    dispose = place.dispose;
    store = await Store.open(place.location, silentLogger);
    sandbox = await startSandbox();
    adapter = heapAdapter(sandbox);
  });
  afterAll(async () => {
    await adapter?.close();
    await sandbox?.stop();
    await store?.close();
    await dispose?.();
  });

  const buckets = async () => new Map((await store.db.selectFrom('rate_limit_buckets').select(['key', 'tokens', 'capacity']).execute()).map((b) => [b.key, b.capacity - Number(b.tokens)]));

  it('keys users as Heap does (identity, hashed user_id; "null" is no user) and the sandbox sees the same users', async () => {
    const limiter = new InstallationLimiter('heap', limits(), 1, adapter, 30_000);
    const events = [
      event({ messageId: 'k-1', userId: 'user-7' }),
      event({ messageId: 'k-2', anonymousId: 'anon-7' }),
      event({ messageId: 'k-3', userId: 'null', anonymousId: 'anon-7' }),
      event({ messageId: 'k-4', userId: 'user-7', anonymousId: 'anon-9' }),
    ];
    const admission = await limiter.admit(events, store.buckets, 1_000_000);
    expect(admission.admitted).toEqual([0, 1, 2, 3]);
    const hashed = anonymousUserId('anon-7');
    expect(await buckets()).toEqual(
      new Map([
        [`heap:events_per_app:${APP_ID}`, 4],
        [`heap:events_per_identity:${APP_ID}:user-7`, 2],
        [`heap:events_per_identity:${APP_ID}:user_id:${hashed}`, 2],
      ]),
    );
    // The same events at the sandbox: it counts them under the same users (identity, or user_id).
    await adapter.deliver(events);
    const users = sandbox.recordedEvents().map((e) => (e.identity !== undefined ? e.identity : `user_id:${e.user_id}`));
    expect(users.sort()).toEqual(['user-7', 'user-7', `user_id:${hashed}`, `user_id:${hashed}`].sort());
  });

  it('takes a token per event for `unit: events` and one per user per batch for `unit: requests`', async () => {
    const limiter = new InstallationLimiter('heap', limits(), 1, adapter, 30_000);
    const identifies = [1, 2, 3, 4, 5].map((n) => event({ type: 'identify', messageId: `i-${n}`, userId: n <= 3 ? 'same-user' : `user-${n}`, traits: { n } }));
    const admission = await limiter.admit(identifies, store.buckets, 2_000_000);
    expect(admission.admitted).toEqual([0, 1, 2, 3, 4]);
    const taken = await buckets();
    // One bulk add_user_properties carries each user once: three identifies of one user cost one request token.
    expect(taken.get(`heap:user_property_calls_per_identity:${APP_ID}:same-user`)).toBe(1);
    expect(taken.get(`heap:user_property_calls_per_identity:${APP_ID}:user-4`)).toBe(1);
    expect(taken.get(`heap:user_property_calls_per_identity:${APP_ID}:user-5`)).toBe(1);
  });

  it('counts a track event against the user-property calls only when its context.traits are sent as user properties', async () => {
    const limiter = new InstallationLimiter('heap', limits(), 1, adapter, 30_000);
    const traits = { context: { traits: { plan: 'pro' } } };
    const events = [
      event({ messageId: 'c-1', userId: 'traits-user', ...traits }),
      event({ messageId: 'c-2', userId: 'traits-user', ...traits }),
      event({ messageId: 'c-3', userId: 'plain-user' }),
      event({ messageId: 'c-4', anonymousId: 'anon-traits', ...traits }),
    ];
    const admission = await limiter.admit(events, store.buckets, 2_500_000);
    expect(admission.admitted).toEqual([0, 1, 2, 3]);
    const calls = [...(await buckets())].filter(([key]) => key.includes(':user_property_calls_per_identity:') && /(traits|plain)/.test(key));
    // One add_user_properties call for the user whose traits go to Heap; none for a user without traits or an anonymous one (Heap keeps no traits for them).
    expect(calls).toEqual([[`heap:user_property_calls_per_identity:${APP_ID}:traits-user`, 1]]);
    // And the sandbox, counting as Heap does, sees add_user_properties for that user alone.
    sandbox.reset();
    await adapter.deliver(events);
    const propertyCalls = sandbox.recordedRequests().filter((r) => r.path === '/api/add_user_properties');
    expect(propertyCalls.map((r) => [...new Set(JSON.parse(r.raw_body).users.map((u: { identity: string }) => u.identity))])).toEqual([['traits-user']]);
  });

  it('holds back what a bucket cannot cover, without spending it, and promises it in tenths of the window', async () => {
    const tight: RateLimit[] = [{ name: 'tight_identity', scope: 'user', unit: 'events', limit: 10, window_ms: 1000, event_types: ['track'] }];
    const limiter = new InstallationLimiter('heap', tight, 1, adapter, 30_000);
    const events = Array.from({ length: 25 }, (_, i) => event({ messageId: `t-${i}`, userId: 'busy' }));
    const admission = await limiter.admit(events, store.buckets, 3_000_000);
    expect(admission.admitted).toEqual(Array.from({ length: 10 }, (_, i) => i));
    // 15 short at 10 tokens a second: the last promised token arrives 1.6 s on (the first whole one 0.1 s,
    // then 1.5 s for fifteen), rounded up to the next tenth of the window.
    expect(new Set(admission.deferred.map((d) => d.retryAt))).toEqual(new Set([3_001_600]));
    expect(admission.deferred.map((d) => d.index)).toEqual(Array.from({ length: 15 }, (_, i) => i + 10));
  });

  it('an adapter without rateLimitKey: one bucket per app-wide limit, shared by the plugin’s installations, and no user counted', async () => {
    const limiter = new InstallationLimiter('bare', limits(), 1, {}, 30_000);
    const admission = await limiter.admit([event({ messageId: 'b-1', userId: 'user-1' }), event({ messageId: 'b-2', anonymousId: 'anon-1' })], store.buckets, 4_000_000);
    expect(admission.admitted).toEqual([0, 1]);
    expect([...(await buckets())].filter(([key]) => key.startsWith('bare:'))).toEqual([['bare:events_per_app:shared', 2]]);
  });
});
