import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import { artifactPath } from '../helpers/browser.js';
import { openSession, overflowing, seeText, unlabelled, type Session } from './support.js';

const OUTCOMES = ['delivered', 'filtered', 'retryable', 'failed', 'dead'] as const;
type Counts = Record<(typeof OUTCOMES)[number], number>;

/**
 * The delivery overview (issue #11): outcomes per minute and per hour as charts with their totals
 * beside them, the queue and its oldest waiting event, Heap's per-app allowance. Every number on the
 * page is the overview endpoint's, read again on a timer and on demand.
 */
describeInChromium('Delivery overview', () => {
  let s: Session;
  let id: string;
  const total = (buckets: Counts[]) => Object.fromEntries(OUTCOMES.map((o) => [o, buckets.reduce((n, b) => n + b[o], 0)])) as Counts;
  const overview = async () => (await s.host.call('GET', `/v1/admin/integrations/${id}/overview`)).body as { minutes: Counts[]; hours: Counts[]; queue: { waiting: number; dead: number } };
  const shownTotals = async (chart: string) =>
    Object.fromEntries(await Promise.all(OUTCOMES.map(async (o) => [o, Number((await s.page.locator(`#${chart} li[data-outcome="${o}"] strong`).innerText()).replace(/,/g, ''))]))) as Counts;
  const fact = (section: string, term: string) => s.page.locator(`#${section} .facts div`).filter({ has: s.page.locator('dt', { hasText: new RegExp(`^${term}$`, 'i') }) }).locator('dd');

  beforeAll(async () => {
    s = await openSession();
    id = await s.install();
    s.sandbox.addFault({ path: '/api/track', idempotency_key: 'ov-refused', status: 400, body: '{"error":"events[0]: refused"}' });
    await s.send([
      ...['ov-1', 'ov-2', 'ov-3'].map((messageId) => ({ type: 'track', event: 'Checkout Started', userId: 'user-ov', messageId })),
      { type: 'identify', anonymousId: 'anon-ov', messageId: 'ov-filtered', traits: { plan: 'pro' } },
      { type: 'track', event: 'Checkout Started', userId: 'user-ov', messageId: 'ov-refused' },
    ]);
    s.sandbox.clearFaults();
  });
  afterAll(async () => s?.close());

  it('draws the last hour per minute and the last day per hour, with the totals beside each chart', async () => {
    await s.open(id);
    await s.page.locator('#chart-minutes svg.plot g.bar').first().waitFor();
    const api = await overview();
    // Five events, each counted once: the refused one as failed (it is a dead letter all the same).
    expect(total(api.minutes)).toEqual({ delivered: 3, filtered: 1, retryable: 0, failed: 1, dead: 0 });
    expect(await shownTotals('chart-minutes')).toEqual(total(api.minutes));
    expect(await shownTotals('chart-hours')).toEqual(total(api.hours));
    expect(Object.values(await shownTotals('chart-minutes')).reduce((n, v) => n + v, 0)).toBe(5);
    expect(await s.page.locator('#chart-minutes figcaption').innerText()).toBe('Last hour, per minute');
    expect(await s.page.locator('#chart-hours figcaption').innerText()).toBe('Last 24 hours, per hour');
    // One bar per bucket that had outcomes, saying its numbers.
    const busy = api.minutes.filter((m) => OUTCOMES.some((o) => m[o] > 0));
    expect(await s.page.locator('#chart-minutes g.bar').count()).toBe(busy.length);
    expect(await s.page.locator('#chart-minutes g.bar title').first().textContent()).toMatch(/: delivered 3, filtered 1, failed 1$/);
    expect(await s.page.locator('#chart-minutes svg.plot').getAttribute('aria-label')).toBe('Last hour, per minute. Delivered 3, Filtered 1, Retryable 0, Failed 1, Dead 0.');
    await s.page.getByText('Numbers per minute (1 with deliveries)').click();
    expect(await s.page.locator('#chart-minutes .chart-table tbody tr td').allInnerTexts()).toEqual(['3', '1', '0', '1', '0']);

    expect(await fact('queue', 'Waiting').innerText()).toBe('0 events');
    expect(await fact('queue', 'Dead letters').innerText()).toBe('1 event');
    expect(await fact('queue', 'Oldest waiting').innerText()).toBe('nothing is waiting');
    const limit = s.page.locator('#rate-limits .rate-limit[data-name="events_per_app"]');
    expect(await limit.locator('label').innerText()).toBe('Bulk track: 15,000 events per minute per app_id');
    expect(await limit.getByRole('meter', { name: 'Bulk track: 15,000 events per minute per app_id' }).getAttribute('max')).toBe('1');
    expect(await limit.locator('p').innerText()).toMatch(/^\d+% used: [\d,]+ of 15,000 events left in this minute\.$/);
    await s.page.screenshot({ path: artifactPath('overview.png'), fullPage: true });
  });

  it('reads the numbers again on demand, and on its own every 10 s', async () => {
    await s.send(['ov-4', 'ov-5'].map((messageId) => ({ type: 'track', event: 'Checkout Started', userId: 'user-ov', messageId })));
    await s.page.getByRole('button', { name: 'Refresh overview' }).click();
    await seeText(s.page.locator('#chart-minutes li[data-outcome="delivered"] strong'), /^5$/);
    expect(await shownTotals('chart-minutes')).toEqual(total((await overview()).minutes));
    // The table opened above stays open across the refresh.
    expect(await s.page.locator('#chart-minutes details[open]').count()).toBe(1);

    expect(await s.page.getByLabel('Auto-refresh every 10 s').isChecked()).toBe(true);
    await s.send([{ type: 'track', event: 'Checkout Started', userId: 'user-ov', messageId: 'ov-6' }]);
    await seeText(s.page.locator('#chart-minutes li[data-outcome="delivered"] strong'), /^6$/);
    expect(await s.page.locator('.refresh .stamp').innerText()).toMatch(/^Updated /);
  });

  it('shows what waits, and since when, while delivery is paused; the state beside the name follows', async () => {
    s.sandbox.addFault({ path: '/api/track', status: 401, body: '{"error":"Unauthorized"}' });
    await s.send(['ov-w1', 'ov-w2'].map((messageId) => ({ type: 'track', event: 'Checkout Started', userId: 'user-ov', messageId })));
    await s.page.getByRole('button', { name: 'Refresh overview' }).click();
    expect(await seeText(fact('queue', 'Waiting'), '2 events')).toBe('2 events');
    expect(await fact('queue', 'Oldest waiting').innerText()).toMatch(/^\d+ s \(since .+\)$/);
    expect(await s.page.locator('h1 .badge').innerText()).toBe('PAUSED');
    expect(await s.page.locator('#delivery-state').innerText()).toContain('Delivery is paused');

    s.sandbox.clearFaults();
    await s.page.getByRole('button', { name: 'Test connection' }).click();
    await s.page.getByText('Delivery resumed: the events that waited are sent now (any that waited longer than the retry window are in the dead letters, to replay).').waitFor();
    await s.host.delivery.drained();
    await s.page.getByRole('button', { name: 'Refresh overview' }).click();
    expect(await seeText(fact('queue', 'Waiting'), '0 events')).toBe('0 events');
    expect(await s.page.locator('h1 .badge').innerText()).toBe('RUNNING');
    expect(await shownTotals('chart-minutes')).toEqual(total((await overview()).minutes));
  });

  it('is usable on a phone (390 px)', async () => {
    await s.page.setViewportSize({ width: 390, height: 844 });
    await s.page.getByRole('button', { name: 'Refresh overview' }).click();
    await s.page.locator('#chart-hours svg.plot').waitFor();
    expect(await overflowing(s.page, 390)).toEqual([]);
    expect(await unlabelled(s.page)).toEqual([]);
    await s.page.screenshot({ path: artifactPath('overview-390.png'), fullPage: true });
  });

  it('made no request to any other origin, and logged no error', () => {
    expect(s.requestsOffHost).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});
