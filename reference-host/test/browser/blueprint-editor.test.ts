import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import { artifactPath } from '../helpers/browser.js';
import { lineOf, openSession, overflowing, seeText, unlabelled, type Session } from './support.js';

/**
 * The blueprint editor and its event tester (issue #11): JSON errors at their line, the host's own
 * blueprint errors mapped from their dotted path to the line of that key, sample events (templates
 * and the integration's last real events), the Heap requests before saving; saving makes a revision,
 * the revisions list shows a line diff and restores.
 */
describeInChromium('Blueprint editor', () => {
  let s: Session;
  let id: string;
  const editor = () => s.page.getByLabel('Blueprint JSON');
  const eventText = () => s.page.getByLabel('Event JSON');
  const check = () => s.page.locator('#blueprint-check');
  const requests = () => s.page.locator('#preview-requests');
  const text = () => editor().inputValue();
  const section = (name: string) => s.page.getByRole('navigation', { name: 'Integration sections' }).getByRole('link', { name, exact: true });
  /** Replaces the first occurrence of `from` in the editor, as typing would (an input event). */
  const edit = async (from: string, to: string) => {
    const value = await text();
    if (!value.includes(from)) throw new Error(`the blueprint has no ${from}`);
    await editor().fill(value.replace(from, to));
  };

  beforeAll(async () => {
    s = await openSession();
    id = await s.install();
    await s.send([
      { type: 'track', event: 'Order Completed', userId: 'user-bp', messageId: 'bp-real-order', properties: { order_id: 1001, revenue: '42.50' } },
      { type: 'page', name: 'Pricing', anonymousId: 'anon-bp', messageId: 'bp-real-page' },
    ]);
    await s.open(id, 'blueprint');
    await check().locator('.ok-text').waitFor();
  });
  afterAll(async () => s?.close());

  it('shows the Heap request the picked template becomes, before anything is saved', async () => {
    expect(await check().innerText()).toBe('The host accepts this blueprint.');
    expect(await s.page.getByLabel('Sample event').locator('option:checked').innerText()).toBe('Page view (page)');
    expect(await requests().locator('.call-line').innerText()).toBe(`Request 1: POST ${s.sandbox.url}/api/track`);
    const body = JSON.parse(await requests().locator('pre.request-body').innerText());
    expect(body.events[0]).toMatchObject({ event: 'pageview', properties: { name: 'Pricing', url: 'https://shop.example.com/pricing?ref=nav', plan: 'pro' } });
    expect(await s.page.locator('#preview-outcome').innerText()).toBe('SEND Would be sent as request 1.');
    expect(await s.page.getByRole('button', { name: 'Save blueprint' }).isDisabled()).toBe(true);
  });

  it('offers the four templates and the last real events of this integration; identify becomes two requests', async () => {
    const picker = s.page.getByLabel('Sample event');
    expect(await picker.locator('optgroup[label="Templates"] option').allInnerTexts()).toEqual(['Page view (page)', 'Product Added (track)', 'Sign-in (identify)', 'Company (group)']);
    expect(await picker.locator('optgroup').nth(1).getAttribute('label')).toBe('The last 2 events of this integration');
    expect(await picker.locator('optgroup').nth(1).locator('option').allInnerTexts()).toEqual(['page · Pricing · user anon-bp · bp-real-page', 'track · Order Completed · user user-bp · bp-real-order']);

    await picker.selectOption({ label: 'Sign-in (identify)' });
    await seeText(requests().locator('.call-line'), 'add_user_properties');
    expect(await requests().locator('.call-line').allInnerTexts()).toEqual([`Request 1: POST ${s.sandbox.url}/api/add_user_properties`, `Request 2: POST ${s.sandbox.url}/api/v1/identify`]);

    await picker.selectOption({ label: 'Company (group)' });
    await seeText(requests().locator('.call-line'), 'add_account_properties');

    await picker.selectOption({ label: 'track · Order Completed · user user-bp · bp-real-order' });
    await seeText(requests().locator('pre.request-body'), 'bp-real-order');
    expect(JSON.parse(await eventText().inputValue())).toMatchObject({ messageId: 'bp-real-order', event: 'Order Completed' });
    const order = JSON.parse(await requests().locator('pre.request-body').innerText()).events[0];
    expect(order).toMatchObject({ event: 'Order Completed', idempotency_key: 'bp-real-order', properties: { order_id: '1001', revenue: 42.5 } });
  });

  it('takes a pasted event, and shows why it is filtered or refused', async () => {
    await eventText().fill(JSON.stringify({ type: 'identify', anonymousId: 'anon-x', traits: { plan: 'pro' } }, null, 2));
    expect(await seeText(s.page.locator('#preview-outcome'), 'FILTERED')).toBe('FILTERED Filtered [unsupported]: Heap cannot store user properties for an anonymous user: identify needs a userId');
    expect(await requests().innerText()).toBe('No Heap request: nothing would be sent for this event.');

    await eventText().fill('{\n  "type": "signup",\n  "userId": "u-1"\n}');
    await seeText(s.page.locator('#event-check'), 'would refuse');
    expect(await s.page.locator('#event-check li').allInnerTexts()).toEqual(['Line 2: type must be one of track, page, screen, identify, group']);

    await eventText().fill('{\n  "type": "track",\n  "event": "Signed Up"\n  "userId": "u-1"\n}');
    await seeText(s.page.locator('#event-check'), 'not valid JSON');
    expect(await s.page.locator('#event-check li').innerText()).toBe('Line 4: Expected "," or "}" after the value of "event", found a string (a comma is probably missing before it)');
    await s.page.getByLabel('Sample event').selectOption({ label: 'Page view (page)' });
    await seeText(s.page.locator('#preview-outcome'), 'SEND');
  });

  it('puts a JSON syntax error at its line and column', async () => {
    const line = lineOf(await text(), '"vendor_event_name": "pageview"');
    await edit('"vendor_event_name": "pageview",', '"vendor_event_name": "pageview"');
    await seeText(check(), 'not valid JSON');
    expect(await check().locator('li').innerText()).toBe(`Line ${line + 1}: Expected "," or "}" after the value of "vendor_event_name", found a string (a comma is probably missing before it)`);
    expect(await s.page.locator('.editor .gutter li.bad').allInnerTexts()).toEqual([String(line + 1)]);
    expect(await requests().innerText()).toBe('Fix the blueprint JSON to see the requests.');
    expect(await s.page.getByRole('button', { name: 'Save blueprint' }).isDisabled()).toBe(true);

    // "Line n" takes the caret there.
    await check().getByRole('button', { name: `Line ${line + 1}` }).click();
    const caret = await editor().evaluate((el: HTMLTextAreaElement) => el.value.slice(0, el.selectionStart).split('\n').length);
    expect(caret).toBe(line + 1);
    await edit('"vendor_event_name": "pageview"', '"vendor_event_name": "pageview",');
    await seeText(check(), 'The host accepts this blueprint.');
  });

  it("maps the host's blueprint errors from their dotted path to the line of that key, keys with spaces and dots included", async () => {
    // events.page.mappings.0.target: the first "target" after "page": { (the editor holds one key per line).
    const value = (await text()).replace(/("page": \{[\s\S]*?"target": )"\*"/, '$1""');
    await editor().fill(value);
    const targetLine = lineOf(value, '"target": ""');
    await seeText(check(), 'refuses');
    expect(await check().locator('li').allInnerTexts()).toEqual([`Line ${targetLine}: events.page.mappings.0.target must not be empty`]);
    expect(await s.page.locator('.editor .gutter li.bad').allInnerTexts()).toEqual([String(targetLine)]);
    await check().getByRole('button', { name: `Line ${targetLine}` }).click();
    await s.page.screenshot({ path: artifactPath('blueprint-editor-error.png') });
    await editor().fill(value.replace('"target": ""', '"target": "*"'));
    await seeText(check(), 'The host accepts this blueprint.');

    // A rule whose name holds a space and a dot, with a mapping that lacks both source and value.
    const parsed = JSON.parse(await text());
    parsed.events['Order.Done Now'] = { vendor_event_name: 'Order Done', mappings: [{ source: 'properties', target: '*' }, { target: 'total' }] };
    await editor().fill(JSON.stringify(parsed, null, 2));
    await seeText(check(), 'refuses');
    const now = await text();
    const mappingLine = lineOf(now, '"target": "total"', '"Order.Done Now"') - 1;
    expect(await check().locator('li').allInnerTexts()).toEqual([
      `Line ${mappingLine}: events.Order.Done Now.mappings.1.source a mapping needs exactly one of source, value or template (missing; shown at events.Order.Done Now.mappings.1)`,
    ]);
    await s.page.getByRole('button', { name: 'Discard changes' }).click();
    await seeText(check(), 'The host accepts this blueprint.');
    await s.page.screenshot({ path: artifactPath('blueprint-editor.png'), fullPage: true });
  });

  it('names a key the blueprint does not know at its line, with the key it probably meant; previews the fixed change and saves it as a revision', async () => {
    await edit('"vendor_event_name": "pageview"', '"vendor_event_name": "page_view",\n      "vendor_event_nam": "typo"');
    await seeText(check(), 'refuses');
    const typoLine = lineOf(await text(), '"vendor_event_nam": "typo"');
    expect(await check().locator('li').allInnerTexts()).toEqual([`Line ${typoLine}: events.page.vendor_event_nam is not a known field; did you mean "vendor_event_name"?`]);
    expect(await s.page.getByRole('button', { name: 'Save blueprint' }).isDisabled()).toBe(true);
    await edit('"vendor_event_name": "page_view",\n      "vendor_event_nam": "typo"', '"vendor_event_name": "page_view"');
    await seeText(requests().locator('pre.request-body'), '"event": "page_view"');
    expect(await s.page.locator('#dirty-note').innerText()).toBe('Unsaved changes.');
    // Nothing saved yet: the integration still sends pageview.
    expect((await s.host.call('GET', `/v1/admin/integrations/${id}`)).body.blueprint.events.page.vendor_event_name).toBe('pageview');

    await s.page.getByLabel('Change summary (optional)').fill('Page views as page_view');
    await s.page.getByRole('button', { name: 'Save blueprint' }).click();
    expect(await seeText(s.page.locator('#save-result'), 'revision 2')).toBe('Saved as revision 2.');
    expect((await s.host.call('GET', `/v1/admin/integrations/${id}`)).body.blueprint.events.page.vendor_event_name).toBe('page_view');
    expect(await s.page.locator('#dirty-note').innerText()).toBe('No unsaved changes.');
  });

  it('lists the revisions with a line diff against the current one, and restores one', async () => {
    await section('Revisions').click();
    await s.page.locator('#revisions li[data-revision="2"]').waitFor();
    expect(await s.page.locator('#revisions li[data-revision="2"]').innerText()).toContain('Page views as page_view');
    expect(await s.page.locator('#revisions li[data-revision="2"] .badge').innerText()).toBe('CURRENT');
    await s.page.getByRole('button', { name: 'Compare revision 1 with the current revision' }).click();
    const diff = s.page.locator('#diff-1');
    expect(await seeText(diff.locator('.diff-summary'), 'Revision 1')).toBe('Revision 1 → current (2): 1 line removed, 1 line added.');
    const lines = async (kind: string) => (await diff.locator(`.line.${kind}`).allInnerTexts()).map((l) => l.trimEnd());
    expect(await lines('del')).toEqual([`- ${' '.repeat(8)}"vendor_event_name": "pageview",`]);
    expect(await lines('add')).toEqual([`+ ${' '.repeat(8)}"vendor_event_name": "page_view",`]);
    expect(await diff.locator('.line.fold').count()).toBe(2);
    await s.page.screenshot({ path: artifactPath('revisions-diff.png'), fullPage: true });

    await s.page.getByRole('button', { name: 'Restore revision 1' }).click();
    const dialog = s.page.getByRole('dialog', { name: 'Restore revision 1?' });
    expect(await dialog.locator('.dialog-body').innerText()).toBe('Its config and blueprint become revision 3; events are delivered with them from then on. Revision 2 stays in this list.');
    await s.page.keyboard.press('Enter');
    await s.page.getByText('Restored revision 1 as revision 3.').waitFor();
    expect((await s.host.call('GET', `/v1/admin/integrations/${id}`)).body.blueprint.events.page.vendor_event_name).toBe('pageview');
    await s.page.locator('#revisions li[data-revision="3"] .badge').waitFor();
    expect(await s.page.locator('#revisions li[data-revision="3"]').innerText()).toContain('Restored the config and blueprint of revision 1');
    await s.page.getByRole('button', { name: 'Compare revision 1 with the current revision' }).click();
    expect(await seeText(s.page.locator('#diff-1'), 'same')).toBe('Revision 1 has the same config and blueprint as the current revision (3).');

    await section('Blueprint').click();
    await check().locator('.ok-text').waitFor();
    expect(await text()).toContain('"vendor_event_name": "pageview"');
  });

  it('shows revisions 50 at a time, older ones on demand, each comparable with the current one', async () => {
    for (let n = 1; n <= 50; n++) expect((await s.host.call('PATCH', `/v1/admin/integrations/${id}`, { name: `Heap ${n}` })).status).toBe(200);
    await section('Revisions').click();
    await s.page.locator('#revisions li[data-revision="53"] .badge').waitFor();
    const shown = async () => (await s.page.locator('#revisions > li').evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-revision')))));
    expect(await shown()).toEqual(Array.from({ length: 50 }, (_, i) => 53 - i));
    expect(await s.page.locator('#revisions li[data-revision="53"]').innerText()).toContain('Renamed to "Heap 50"');
    const older = s.page.getByRole('button', { name: 'Older revisions' });
    await older.click();
    await s.page.locator('#revisions li[data-revision="1"]').waitFor();
    expect(await shown()).toEqual(Array.from({ length: 53 }, (_, i) => 53 - i));
    expect(await older.isHidden()).toBe(true);
    await s.page.getByRole('button', { name: 'Compare revision 2 with the current revision' }).click();
    expect(await seeText(s.page.locator('#diff-2 .diff-summary'), 'Revision 2')).toBe('Revision 2 → current (53): 1 line removed, 1 line added.');
  });

  it('is usable on a phone (390 px)', async () => {
    await s.page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowing(s.page, 390)).toEqual([]);
    expect(await unlabelled(s.page)).toEqual([]);
    await s.page.screenshot({ path: artifactPath('blueprint-editor-390.png'), fullPage: true });
  });

  it('made no request to any other origin, and logged no error', () => {
    expect(s.requestsOffHost).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});
