import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import { artifactPath } from '../helpers/browser.js';
import { API_KEY } from '../helpers/heap.js';
import { startTestHost } from '../helpers/host.js';
import { column, openSession, overflowing, seeText, unlabelled, type Session, type SessionHost } from './support.js';

/**
 * The live event stream (issue #11): deliveries appear as they happen, the stream says when it is
 * cut off and when it is back, pause and resume lose nothing, filters by status, event name and
 * user, and one event opens in four panes.
 */
describeInChromium('Live events', () => {
  let s: Session;
  let id: string;
  let port: number;
  let restarted: SessionHost | undefined;
  const rows = () => s.page.locator('#live-events tbody tr');
  const state = () => s.page.locator('#stream-state');

  beforeAll(async () => {
    s = await openSession();
    port = Number(new URL(s.host.url).port);
    id = await s.install();
    await s.open(id, 'live');
    await seeText(state(), 'Live: new deliveries appear as they happen.');
  });
  afterAll(async () => {
    await s?.browser.close();
    if (restarted) {
      await restarted.stop();
      await s.host.place.dispose();
    } else await s?.host.cleanup();
    await s?.sandbox.stop();
  });

  it('shows new deliveries as they happen, newest first, with event names and types in their own columns', async () => {
    expect(await s.page.locator('#live-empty').innerText()).toBe('Waiting for deliveries…');
    await s.send([
      { type: 'page', name: 'Home', anonymousId: 'anon-live', messageId: 'live-page', context: { page: { url: 'https://shop.example.com/', title: 'Home' } } },
      { type: 'track', event: 'Product Viewed', userId: 'user-live', messageId: 'live-viewed', properties: { sku: 'RUN-42', price: '89.90' } },
      { type: 'identify', anonymousId: 'anon-only', messageId: 'live-anon-identify', traits: { plan: 'pro' } },
    ]);
    await s.page.locator('#live-events tr[data-message-id="live-anon-identify"]').waitFor();
    await s.page.locator('#live-events tr[data-message-id="live-viewed"]').waitFor();
    await s.page.locator('#live-events tr[data-message-id="live-page"]').waitFor();
    expect(await column(rows(), 'Event')).toEqual(expect.arrayContaining(['Home', 'Product Viewed']));
    const byId = async (messageId: string) => {
      const row = s.page.locator(`#live-events tr[data-message-id="${messageId}"]`);
      return Object.fromEntries(await Promise.all(['Status', 'Event', 'Type', 'User', 'HTTP'].map(async (c) => [c, await row.locator(`td[data-label="${c}"]`).innerText()])));
    };
    expect(await byId('live-page')).toEqual({ Status: 'DELIVERED', Event: 'Home', Type: 'page', User: 'anon-live (anonymous)', HTTP: '200' });
    expect(await byId('live-viewed')).toEqual({ Status: 'DELIVERED', Event: 'Product Viewed', Type: 'track', User: 'user-live', HTTP: '200' });
    expect(await byId('live-anon-identify')).toEqual({ Status: 'FILTERED', Event: '', Type: 'identify', User: 'anon-only (anonymous)', HTTP: '' });
    expect(await s.page.locator('#live-count').innerText()).toBe('3 deliveries shown, newest first.');
  });

  it('opens one event in four panes: as received, the exact Heap request, every answer, the reasons', async () => {
    await s.page.getByRole('button', { name: 'Details of live-viewed', exact: true }).click();
    await s.page.locator('#event-detail[data-message-id="live-viewed"]').waitFor();
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('event-detail-title');

    const received = JSON.parse(await s.page.locator('#pane-event pre').innerText());
    expect(received).toMatchObject({ type: 'track', event: 'Product Viewed', userId: 'user-live', messageId: 'live-viewed', properties: { sku: 'RUN-42', price: '89.90' } });

    const request = s.page.locator('#pane-request');
    expect(await request.locator('.call-line').innerText()).toBe(`POST ${s.sandbox.url}/api/track`);
    // Delivered: the page says the request was recomputed, and under which revision.
    expect(await request.locator('p.recomputed').innerText()).toBe('Recomputed from the event as received under revision 1, the one that delivered it (delivered events keep no copy of their requests).');
    const pretty = await request.locator('pre.request-body').innerText();
    expect(pretty).toContain('\n  "events": [');
    await request.getByText(/^Exact wire form \(\d+ bytes\)$/).click();
    const wire = await request.locator('pre.wire-body').innerText();
    expect(wire).not.toContain('\n');
    expect(JSON.parse(wire)).toEqual(JSON.parse(pretty));
    expect(JSON.parse(wire).events).toEqual([{ identity: 'user-live', event: 'Product Viewed', properties: { sku: 'RUN-42', price: 89.9 }, idempotency_key: 'live-viewed', timestamp: expect.any(String) }]);
    // What Heap received for this event is exactly the item the page shows.
    expect(s.sandbox.recordedEvents().find((e) => e.idempotency_key === 'live-viewed')).toMatchObject(JSON.parse(wire).events[0]);
    expect(wire).not.toContain(API_KEY);

    // Heap answered {} : the pane says so in words, with the status and the time, not a bare {}.
    const answer = await s.page.locator('#pane-answer .attempt').innerText();
    expect(answer).toMatch(/^DELIVERED Attempt 1 · HTTP 200 · \d+ ms · .+\n\nHeap answered 200 in \d+ ms with no message \(its body: \{\}\)\.$/);
    expect(await s.page.locator('#pane-reasons').innerText()).toBe('Warnings and filter reasons\n\nNo warnings, and nothing was filtered.');

    await s.page.getByRole('button', { name: 'Details of live-anon-identify', exact: true }).click();
    await s.page.locator('#event-detail[data-message-id="live-anon-identify"]').waitFor();
    expect(await s.page.locator('#pane-request').innerText()).toBe('The Heap request\n\nIt became no Heap request (filtered, or refused before sending).');
    expect(await s.page.locator('#pane-reasons li').allInnerTexts()).toEqual([
      'Filtered (attempt 1) [unsupported]: Heap cannot store user properties for an anonymous user: identify needs a userId',
    ]);
    await s.page.screenshot({ path: artifactPath('live-events.png'), fullPage: true });
  });

  it("shows Heap's refusal, every attempt, and the warnings of an event", async () => {
    s.sandbox.addFault({ path: '/api/track', idempotency_key: 'live-refused', status: 400, body: '{"error":"events[0].properties: refused for the test"}' });
    s.sandbox.addFault({ path: '/api/track', idempotency_key: 'live-flaky', status: 503, body: 'upstream unavailable', count: 1 });
    await s.send([
      { type: 'track', event: 'Order Completed', userId: 'user-live', messageId: 'live-refused', properties: { revenue: 10 } },
      { type: 'track', event: 'Long Note', userId: 'user-live', messageId: 'live-flaky', properties: { note: 'x'.repeat(1100), ['k'.repeat(1100)]: 1 } },
      { type: 'group', groupId: 'acme', userId: 'user-live', messageId: 'live-group', traits: { name: 'Acme Inc' } },
    ]);
    await s.page.locator('#live-events tr[data-message-id="live-refused"]').waitFor();
    await s.page.locator('#live-events tr[data-message-id="live-flaky"][data-status="delivered"]').waitFor();

    await s.page.getByRole('button', { name: 'Details of live-refused', exact: true }).click();
    await s.page.locator('#event-detail[data-message-id="live-refused"]').waitFor();
    const refused = s.page.locator('#pane-answer .attempt');
    expect(await refused.locator('.attempt-head').innerText()).toMatch(/^FAILED Attempt 1 · HTTP 400 · \d+ ms · /);
    expect(JSON.parse(await refused.locator('pre.answer-body').innerText())).toEqual({ error: 'events[0].properties: refused for the test' });
    expect(await refused.locator('.hint').innerText()).toBe("Guide: a 400 means Heap refused the payload; its answer below says which field.");
    expect(await s.page.locator('#pane-reasons li').allInnerTexts()).toEqual(['Failed (attempt 1) [rejected]: Heap rejected the request (400): events[0].properties: refused for the test']);

    await s.page.locator('#live-events tr[data-message-id="live-flaky"][data-status="retryable"] button').click();
    await s.page.locator('#event-detail[data-message-id="live-flaky"]').waitFor();
    const attempts = s.page.locator('#pane-answer .attempt');
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).locator('.attempt-head').innerText()).toMatch(/^RETRYABLE Attempt 1 · HTTP 503 · \d+ ms · /);
    expect(await attempts.nth(0).locator('pre.answer-body').innerText()).toBe('upstream unavailable');
    expect(await attempts.nth(1).innerText()).toMatch(/^DELIVERED Attempt 2 · HTTP 200 · \d+ ms · .+\n\nHeap answered 200 in \d+ ms with no message \(its body: \{\}\)\.$/);
    const reasons = await s.page.locator('#pane-reasons li').allInnerTexts();
    expect(reasons.filter((r) => r.startsWith('Warning (attempt 2)')).sort()).toEqual([
      `Warning (attempt 2): dropped property "${'k'.repeat(40)}…": its name is 1100 characters; Heap takes fewer than 1024 characters in a name`,
      'Warning (attempt 2): truncated property "note" from 1100 to 1023 characters (Heap takes fewer than 1024 characters in a value)',
    ]);

    // Heap answers account properties with a bare OK: the status and the time say more.
    await s.page.getByRole('button', { name: 'Details of live-group', exact: true }).click();
    await s.page.locator('#event-detail[data-message-id="live-group"]').waitFor();
    expect(await s.page.locator('#pane-request .call-line').innerText()).toBe(`POST ${s.sandbox.url}/api/add_account_properties`);
    expect(await s.page.locator('#pane-answer .quiet-answer').innerText()).toMatch(/^Heap answered 200 in \d+ ms with no message \(its body: OK\)\.$/);
    s.sandbox.clearFaults();
  });

  it('filters by status, event name and user', async () => {
    await s.page.getByLabel('Status').selectOption('failed');
    await s.page.waitForURL(/\/live\?status=failed$/);
    await s.page.locator('#live-events tr[data-message-id="live-refused"]').waitFor();
    expect(await column(rows(), 'Message ID')).toEqual(['live-refused']);

    await s.page.getByLabel('Status').selectOption('');
    await s.page.getByLabel('Event name').fill('Product Viewed');
    await s.page.getByRole('button', { name: 'Apply filters' }).click();
    await s.page.waitForURL(/\/live\?event_name=Product\+Viewed$/);
    await s.page.locator('#live-events tr[data-message-id="live-viewed"]').waitFor();
    expect(await column(rows(), 'Message ID')).toEqual(['live-viewed']);
    // A new delivery that matches appears; one that does not, does not.
    await s.send([
      { type: 'track', event: 'Product Viewed', userId: 'user-other', messageId: 'live-viewed-2' },
      { type: 'track', event: 'Product Added', userId: 'user-other', messageId: 'live-added-2' },
    ]);
    await s.page.locator('#live-events tr[data-message-id="live-viewed-2"]').waitFor();
    expect(await column(rows(), 'Message ID')).toEqual(['live-viewed-2', 'live-viewed']);

    await s.page.getByLabel('Event name').fill('');
    await s.page.getByLabel('User').fill('anon-live');
    await s.page.keyboard.press('Enter');
    await s.page.waitForURL(/\/live\?user=anon-live$/);
    await s.page.locator('#live-events tr[data-message-id="live-page"]').waitFor();
    expect(await column(rows(), 'Message ID')).toEqual(['live-page']);

    await s.page.getByRole('button', { name: 'Clear filters' }).click();
    await s.page.waitForURL(/\/live$/);
    expect(await seeText(s.page.locator('#live-count'), '9 deliveries')).toBe('9 deliveries shown, newest first.');
    const all = await column(rows(), 'Message ID');
    expect(all.slice(0, 2)).toEqual(['live-added-2', 'live-viewed-2']);
    expect([...all].sort()).toEqual(['live-added-2', 'live-anon-identify', 'live-flaky', 'live-flaky', 'live-group', 'live-page', 'live-refused', 'live-viewed', 'live-viewed-2']);
  });

  it('pauses and resumes without missing what was delivered meanwhile', async () => {
    await seeText(state(), 'Live');
    await s.page.getByRole('button', { name: 'Pause' }).click();
    await seeText(state(), 'Paused: new deliveries are not shown until you resume; none is missed.');
    expect(await s.page.getByRole('button', { name: 'Resume' }).getAttribute('aria-pressed')).toBe('true');
    await s.send([{ type: 'track', event: 'While Paused', userId: 'user-live', messageId: 'live-paused' }]);
    // Delivered (the logs have it), and not shown while paused.
    expect((await s.host.call('GET', `/v1/admin/integrations/${id}/delivery-logs?message_id=live-paused`)).body.data).toHaveLength(1);
    expect(await s.page.locator('#live-events tr[data-message-id="live-paused"]').count()).toBe(0);

    await s.page.getByRole('button', { name: 'Resume' }).click();
    await s.page.locator('#live-events tr[data-message-id="live-paused"]').waitFor();
    await seeText(state(), 'Live again: resumed after the last delivery shown.');
    expect((await column(rows(), 'Message ID'))[0]).toBe('live-paused');
  });

  it('says when the connection is lost and when it is back, and shows what was delivered meanwhile', async () => {
    await s.host.stop();
    expect(await seeText(state(), 'Disconnected since')).toMatch(/^Disconnected since .+: the host does not answer\. Reconnecting by itself…$/);
    expect(await state().getAttribute('class')).toContain('lost');
    await s.page.screenshot({ path: artifactPath('live-events-disconnected.png') });

    // The host comes back on the same port and store; the page finds it by itself.
    restarted = await startTestHost({ port }, { place: s.host.place });
    s.host = restarted;
    expect(await seeText(state(), 'Reconnected at')).toMatch(/^Reconnected at .+ \(the connection was lost at .+\); deliveries made meanwhile are included\.$/);
    await s.send([{ type: 'track', event: 'After Restart', userId: 'user-live', messageId: 'live-after-restart' }]);
    await s.page.locator('#live-events tr[data-message-id="live-after-restart"]').waitFor();
    expect((await column(rows(), 'Message ID'))[0]).toBe('live-after-restart');
    // Nothing was shown twice.
    const ids = await rows().evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.logId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is usable on a phone (390 px): no sideways scrolling, rows as cards, the panes stacked', async () => {
    await s.page.setViewportSize({ width: 390, height: 844 });
    await s.page.getByRole('button', { name: 'Details of live-viewed', exact: true }).click();
    await s.page.locator('#event-detail[data-message-id="live-viewed"]').waitFor();
    expect(await overflowing(s.page, 390)).toEqual([]);
    expect(await unlabelled(s.page)).toEqual([]);
    const [event, request] = await Promise.all([s.page.locator('#pane-event').boundingBox(), s.page.locator('#pane-request').boundingBox()]);
    expect(request!.y).toBeGreaterThan(event!.y + event!.height - 1);
    await s.page.screenshot({ path: artifactPath('live-events-390.png'), fullPage: true });
  });

  it('made no request to any other origin, and logged no error', () => {
    expect(s.requestsOffHost).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});
