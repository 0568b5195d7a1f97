import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import { startCaptureServer } from '../helpers/heap.js';
import { startTestHost } from '../helpers/host.js';
import { bareWebhookModule, webhookModule } from '../helpers/webhook-plugin.js';
import { openSession, seeText, type Session } from './support.js';

const SECRET = 'whsec_pages_9b2c51';

/**
 * A second vendor's pages, as a person walks them: the webhook plugin installed from the Library,
 * then its overview, live view and delivery logs. The page speaks in the plugin's words (its summary,
 * its manifest's name), so none of Heap's shows on a webhook's page.
 */
describeInChromium('the webhook plugin’s pages hold no word of Heap', () => {
  let s: Session;
  let receiver: Awaited<ReturnType<typeof startCaptureServer>>;
  let id: string;
  let hookUrl: string;
  /** Everything a person can read on the page (and in its title). */
  const visibleText = async () => `${await s.page.title()}\n${await s.page.locator('body').innerText()}`;

  beforeAll(async () => {
    receiver = await startCaptureServer({ status: 204, body: '' });
    hookUrl = `${receiver.url}/hook`;
    s = await openSession({ host: await startTestHost({}, { modules: [webhookModule, bareWebhookModule] }) });
  });
  afterAll(async () => {
    await s?.close();
    await receiver?.stop();
  });

  it('installs the webhook from the Library, and shows where it sends in its own words', async () => {
    await s.page.getByRole('link', { name: 'Install Webhook' }).click();
    await s.page.getByLabel('URL').fill(hookUrl);
    await s.page.getByLabel('Signing secret').fill(SECRET);
    await s.page.getByRole('button', { name: 'Install Integration' }).click();
    await s.page.getByText('Installed Webhook with the default blueprint.').waitFor();
    id = /#\/integrations\/(int_[0-9a-f]+)/.exec(s.page.url())![1];
    expect(await s.page.locator('#environment').innerText()).toBe(['Sends to Webhook', 'URL', hookUrl].join('\n'));
    await seeText(s.page.locator('#section-overview'), 'Delivery overview');
    expect(await visibleText()).not.toMatch(/heap/i);
    expect(await s.page.content()).not.toContain(SECRET);
  });

  it('overview: the queue and the allowance under a heading of no vendor', async () => {
    await s.send([{ type: 'track', event: 'Order Completed', userId: 'user-hook', messageId: 'hook-1', properties: { order_id: 7, revenue: '12.50' } }]);
    await s.open(id);
    await s.page.locator('#overview #queue').waitFor();
    expect(await s.page.locator('#limits-title').innerText()).toBe('Rate limits');
    expect(await s.page.locator('#rate-limits .empty').innerText()).toBe('The plugin declares no per-app rate limit.');
    expect(await visibleText()).not.toMatch(/heap/i);
  });

  it('live view: a delivery appears as it happens, with the webhook’s answer', async () => {
    await s.open(id, 'live');
    await seeText(s.page.locator('#stream-state'), 'Live: new deliveries appear as they happen.');
    await s.send([{ type: 'track', event: 'Order Completed', userId: 'user-hook', messageId: 'hook-live', properties: { order_id: 8, revenue: '3' } }], { drain: false });
    await s.page.locator('#live-events tr[data-message-id="hook-live"] .badge.delivered').waitFor();
    await s.page.getByRole('button', { name: 'Details of hook-live', exact: true }).click();
    await s.page.locator('#event-detail[data-message-id="hook-live"]').waitFor();
    expect(await s.page.locator('#pane-answer').innerText()).toContain('Webhook');
    expect(await visibleText()).not.toMatch(/heap/i);
  });

  it('delivery logs: every delivery with its call to the webhook', async () => {
    await s.open(id, 'logs');
    await s.page.locator('#delivery-logs tr[data-message-id="hook-1"]').waitFor();
    await s.page.getByRole('button', { name: 'Details of hook-1', exact: true }).click();
    await s.page.locator('#event-detail[data-message-id="hook-1"]').waitFor();
    expect(await s.page.locator('#event-detail').innerText()).toContain(hookUrl);
    expect(await visibleText()).not.toMatch(/heap/i);
  });

  it('offers Test connection only for a plugin that has one', async () => {
    const testButton = () => s.page.getByRole('button', { name: 'Test connection' });
    expect(await testButton().count()).toBe(1);
    const bare = (await s.host.call('POST', '/v1/admin/integration-catalog/bare-webhook/install', { config: { url: hookUrl, secret: SECRET } })).body.id;
    await s.open(bare);
    await s.page.getByRole('button', { name: 'Rename' }).waitFor();
    expect(await testButton().count()).toBe(0);
    expect(await visibleText()).not.toMatch(/heap/i);
  });

  it('made no request to any other origin, and logged no error', () => {
    expect(s.requestsOffHost).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});
