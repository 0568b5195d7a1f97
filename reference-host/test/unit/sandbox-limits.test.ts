import { describe, expect, it } from '@jest/globals';
import { HEAP_LIMITS, HeapPlugin } from '@datafly/heap-integration';
import { SANDBOX_LIMITS } from '../../src/sandbox/validate.js';
import { HEAP_RATE_LIMITS } from '../../src/sandbox/limits.js';

/*
 * The sandbox keeps its own copy of Heap's limits on purpose: it is the oracle the plugin is tested
 * against, so it must not read the plugin's constants. This test is what keeps the two copies in step.
 */
describe("the sandbox's limits and the plugin's", () => {
  it('agree on every size limit of a request', () => {
    const shared = Object.keys(SANDBOX_LIMITS) as (keyof typeof SANDBOX_LIMITS)[];
    expect(Object.fromEntries(shared.map((key) => [key, HEAP_LIMITS[key]]))).toEqual(SANDBOX_LIMITS);
  });

  it("agree on the rate limits the plugin's manifest declares", () => {
    const declared = new HeapPlugin().manifest.rate_limits ?? [];
    const byWindow = declared.map(({ unit, limit, window_ms: windowMs }) => ({ unit, limit, windowMs }));
    expect(byWindow).toEqual([
      { unit: 'events', limit: HEAP_RATE_LIMITS.eventsPerAppPerMinute, windowMs: 60_000 },
      { unit: 'events', limit: HEAP_RATE_LIMITS.eventsPerIdentityPerMinute, windowMs: 60_000 },
      { unit: 'requests', limit: HEAP_RATE_LIMITS.requestsPerIdentityPer30s, windowMs: 30_000 },
    ]);
  });
});
