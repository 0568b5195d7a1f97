import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import { artifactPath } from '../helpers/browser.js';
import { openSession, outOfBox, overflowing, splitWords, wrappedButtons, type Session } from './support.js';

const LONG_ID = `words-${'0123456789abcdef'.repeat(4)}`;
const LONG_USER = `user-${'u'.repeat(60)}`;
const LONG_VALUE = 'z'.repeat(300);
// Heap's refusal on one line with no space in it.
const LONG_ANSWER = JSON.stringify({ error: `events[0].properties.${'y'.repeat(200)}:refused` });
const WIDTHS = [1280, 390] as const;

/**
 * What a person reads stays readable at a desktop and a phone width (issue #23): words are not split
 * inside ("Newslette / r"), button labels stay on one line, every section tab is in view, and long
 * ids and JSON lines stay in their boxes (breaking or scrolling there) instead of leaving the page.
 */
describeInChromium('Words and boxes', () => {
  let s: Session;
  let id: string;

  beforeAll(async () => {
    s = await openSession();
    id = await s.install();
    s.sandbox.addFault({ path: '/api/track', idempotency_key: 'words-refused', status: 400, body: LONG_ANSWER });
    await s.send([
      { type: 'track', event: 'Newsletter Signup Completed', userId: 'user-words', messageId: 'words-newsletter' },
      { type: 'page', name: 'Checkout Completed', anonymousId: 'anon-words', messageId: 'words-anonymous', context: { page: { url: 'https://shop.example.com/checkout', title: 'Checkout' } } },
      { type: 'track', event: 'Order Completed', userId: LONG_USER, messageId: LONG_ID, properties: { note: LONG_VALUE } },
      { type: 'track', event: 'Newsletter Refused', userId: 'user-words', messageId: 'words-refused' },
    ]);
    s.sandbox.clearFaults();
  });
  afterAll(async () => s?.close());

  it.each(WIDTHS)('keeps the words of the delivery logs whole at %i px; long ids break or scroll inside the table', async (width) => {
    await s.page.setViewportSize({ width, height: 900 });
    await s.open(id, 'logs');
    await s.page.locator('#delivery-logs tbody tr').nth(3).waitFor();
    expect(await splitWords(s.page, '#delivery-logs td')).toEqual([]);
    expect(await wrappedButtons(s.page)).toEqual([]);
    expect(await overflowing(s.page, width)).toEqual([]);
    await s.page.screenshot({ path: artifactPath(`words-logs-${width}.png`), fullPage: true });
  });

  it.each(WIDTHS)("keeps the dead letters' words and the Replay button whole at %i px", async (width) => {
    await s.page.setViewportSize({ width, height: 900 });
    await s.open(id, 'dead-letters');
    await s.page.getByRole('button', { name: 'Replay words-refused' }).waitFor();
    expect(await splitWords(s.page, '#dead-letters td')).toEqual([]);
    expect(await wrappedButtons(s.page)).toEqual([]);
    expect(await overflowing(s.page, width)).toEqual([]);
    await s.page.screenshot({ path: artifactPath(`words-dead-letters-${width}.png`), fullPage: true });
  });

  it('shows every section tab whole on a phone (390 px), with one tab more than today, and no sideways scrolling', async () => {
    await s.page.setViewportSize({ width: 390, height: 844 });
    await s.open(id);
    await s.page.locator('nav.sections').evaluate((nav) => {
      const extra = nav.querySelector('a')!.cloneNode() as HTMLAnchorElement;
      extra.removeAttribute('aria-current');
      extra.textContent = 'Data quality';
      nav.append(extra);
    });
    const clipped = await s.page.locator('nav.sections').evaluate((nav) => {
      const box = nav.getBoundingClientRect();
      return Array.from(nav.querySelectorAll('a'))
        .filter((a) => {
          const r = a.getBoundingClientRect();
          return r.left < Math.max(0, box.left) - 1 || r.right > Math.min(window.innerWidth, box.right) + 1;
        })
        .map((a) => a.textContent);
    });
    expect(clipped).toEqual([]);
    expect(await s.page.locator('nav.sections a').count()).toBeGreaterThanOrEqual(9);
    expect(await overflowing(s.page, 390)).toEqual([]);
    await s.page.screenshot({ path: artifactPath('words-tabs-390.png') });
  });

  it.each(WIDTHS)('keeps a long JSON line and a long answer inside their panes of the event detail at %i px', async (width) => {
    await s.page.setViewportSize({ width, height: 900 });
    for (const messageId of [LONG_ID, 'words-refused']) {
      await s.open(id, 'logs');
      await s.page.getByRole('button', { name: `Details of ${messageId}`, exact: true }).click();
      await s.page.locator(`#event-detail[data-message-id="${messageId}"] #pane-answer .attempt`).first().waitFor();
      expect(await outOfBox(s.page, '#event-detail .pane')).toEqual([]);
      expect(await outOfBox(s.page, '#event-detail')).toEqual([]);
      expect(await overflowing(s.page, width)).toEqual([]);
    }
    await s.page.screenshot({ path: artifactPath(`words-event-detail-${width}.png`), fullPage: true });
  });

  it('made no request to any other origin, and logged no error', () => {
    expect(s.requestsOffHost).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});
