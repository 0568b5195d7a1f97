import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import { artifactPath } from '../helpers/browser.js';
import { demoWithMalformed, EXPECTED_KINDS } from '../helpers/malformed-events.js';
import { openSession, overflowing, unlabelled, type Session } from './support.js';

/**
 * The data-quality view: after the README's demo and a few malformed events, each kind of change
 * with its count, the events and properties it hit, and samples that open the event's four panes, on
 * a desktop and on a phone.
 */
describeInChromium('Data quality', () => {
  let s: Session;
  let id: string;

  beforeAll(async () => {
    s = await openSession();
    id = await s.install();
    await s.send(demoWithMalformed(Date.now()));
  });
  afterAll(async () => {
    await s?.close();
  });

  /** What the page shows per kind: its code, its count, and the names with counts of its lists. */
  const shown = () =>
    s.page.locator('.quality-kind').evaluateAll((sections) =>
      sections.map((section) => {
        const list = (cls: string) => Array.from(section.querySelectorAll(`.quality-list.${cls} li`)).map((li) => `${li.querySelector('.name')?.textContent} ${li.querySelector('.count')?.textContent}`);
        return {
          code: section.getAttribute('data-code'),
          count: section.querySelector('.quality-count')?.textContent,
          events: list('events'),
          properties: list('properties'),
          samples: Array.from(section.querySelectorAll('.quality-samples button')).map((b) => b.textContent),
        };
      }),
    );
  const expected = EXPECTED_KINDS.map((k) => ({
    code: k.code,
    count: `${k.count} time${k.count === 1 ? '' : 's'}`,
    events: k.events.map((e) => `${e.name} ${e.count}`),
    properties: k.properties.map((p) => `${p.name} ${p.count}`),
    samples: k.samples,
  }));

  for (const [width, height] of [[1280, 900], [390, 844]]) {
    it(`shows the changes by kind, event and property at ${width} px, without sideways scrolling`, async () => {
      await s.page.setViewportSize({ width, height });
      await s.open(id, 'data-quality');
      await s.page.locator('.quality-kind').first().waitFor();
      expect(await shown()).toEqual(expected);
      expect(await s.page.locator('#quality-total').innerText()).toMatch(/^6 changes in 4 kinds, from .+ to now \(figures as of .+\)\.$/);
      expect(await overflowing(s.page, width)).toEqual([]);
      expect(await unlabelled(s.page)).toEqual([]);
      await s.page.screenshot({ path: artifactPath(`data-quality-${width}.png`), fullPage: true });
    });
  }

  it('opens a sample in the four panes of the event, with the warning it was counted for', async () => {
    await s.page.setViewportSize({ width: 1280, height: 900 });
    await s.open(id, 'data-quality');
    await s.page.locator('#quality-truncated_value').getByRole('button', { name: 'Details of dq-long', exact: true }).click();
    await s.page.locator('#event-detail[data-message-id="dq-long"]').waitFor();
    expect(await s.page.locator('#pane-reasons li.warning').allInnerTexts()).toEqual(['Warning (attempt 1): truncated property "gift_note" from 1500 to 1023 characters (Heap takes fewer than 1024 characters in a value)']);
    expect(s.pageErrors).toEqual([]);
    expect(s.requestsOffHost).toEqual([]);
  });

  it('says so when a sample is no longer in the delivery logs', async () => {
    await s.host.store.db.deleteFrom('delivery_logs').where('message_id', '=', 'dq-placeholder').execute();
    await s.open(id, 'data-quality');
    await s.page.getByRole('button', { name: 'Details of dq-placeholder', exact: true }).click();
    expect(await s.page.locator('#quality-detail .notice').innerText()).toMatch(/^Event dq-placeholder is no longer in the delivery logs/);
  });
});
