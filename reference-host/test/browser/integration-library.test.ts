import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import type { Browser, Page } from 'playwright-core';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { artifactPath, launchChromium } from '../helpers/browser.js';
import { DEFAULT_DEADLINE_MS } from '../helpers/conditions.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { seeText, unlabelled } from './support.js';

/**
 * The guide's Management UI setup, as a person does it, in a real headless Chromium against a real
 * host and the Heap sandbox. The steps build on each other, in order.
 */
describeInChromium('Integration Library page', () => {
  let sandbox: HeapSandbox;
  let host: TestHost;
  let browser: Browser;
  let page: Page;
  const requestsOffHost: string[] = [];
  const pageErrors: string[] = [];
  const section = (name: string) => page.getByRole('navigation', { name: 'Integration sections' }).getByRole('link', { name, exact: true });

  beforeAll(async () => {
    sandbox = await startSandbox();
    host = await startTestHost();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(DEFAULT_DEADLINE_MS);
    page.on('request', (request) => {
      if (!request.url().startsWith(host.url) && !request.url().startsWith('data:')) requestsOffHost.push(request.url());
    });
    // The browser logs every 4xx answer as "Failed to load resource"; the page shows those itself.
    page.on('console', (message) => void (message.type() === 'error' && !message.text().startsWith('Failed to load resource') && pageErrors.push(message.text())));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${host.url}/`);
  });
  afterAll(async () => {
    await browser?.close();
    await host?.cleanup();
    await sandbox?.stop();
  });

  it('shows no Sign out on the sign-in page, and shows it once signed in', async () => {
    await page.getByLabel('Admin token').waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
    await page.getByLabel('Admin token').fill(host.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#catalog .card').first().waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
  });

  it('finds Heap through the Analytics filter and the search box, with its Beta badge', async () => {
    await page.getByLabel('Category').selectOption('advertising');
    await page.locator('#catalog .empty').waitFor();
    expect(await page.locator('#catalog .card').count()).toBe(0);

    await page.getByLabel('Category').selectOption('analytics');
    await page.locator('#catalog .card[data-key="heap"]').waitFor();
    await page.getByLabel('Search').fill('mixpanel');
    expect(await page.locator('#catalog .card').count()).toBe(0);
    await page.getByLabel('Search').fill('hea');
    const card = page.locator('#catalog .card[data-key="heap"]');
    expect(await card.locator('h3').textContent()).toBe('HeapBeta');
    expect(await card.locator('.badge').textContent()).toBe('Beta');
    expect(await card.locator('.category').textContent()).toBe('Analytics');
    expect(await card.locator('.installed-count').count()).toBe(0);
    await page.screenshot({ path: artifactPath('integration-library.png'), fullPage: true });
  });

  it('shows the required-field messages for App ID and API Key when the form is sent empty', async () => {
    await page.getByRole('link', { name: 'Install Heap' }).click();
    await page.getByRole('button', { name: 'Install Integration' }).click();
    expect(await page.locator('#field-app_id-error').textContent()).toBe('App ID is required');
    expect(await page.locator('#field-api_key-error').textContent()).toBe('API Key is required');
    expect(await page.locator('#field-app_id').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('field-app_id');
    expect(await page.locator('#field-api_key').getAttribute('type')).toBe('password');
    expect(await page.locator('#field-region option').allTextContents()).toEqual(['US (heapanalytics.com)', 'EU (c.eu.heap-api.com)']);
    expect(await unlabelled(page)).toEqual([]);

    await page.getByLabel('App ID').fill('12ab');
    await page.getByRole('button', { name: 'Install Integration' }).click();
    expect(await page.locator('#field-app_id-error').textContent()).toBe('App ID must be the numeric App ID of a Heap environment');
  });

  it("shows the server's 400 next to the field it names", async () => {
    await page.getByLabel('App ID').fill(APP_ID);
    await page.getByLabel('API Key').fill('k');
    await page.getByText('Advanced settings').click();
    await page.getByLabel('Endpoint override').fill('http://heap-proxy.example.com');
    await page.getByRole('button', { name: 'Install Integration' }).click();
    await page.locator('#field-endpoint-error:not(:empty)').waitFor();
    expect(await page.locator('#field-endpoint-error').textContent()).toBe('Endpoint override must use https (http is allowed only for loopback addresses)');
  });

  it('installs with valid values, lands on the integration page, shows the config under its labels, and never puts the API key in the HTML', async () => {
    await page.getByLabel('API Key').fill('wrong-key-but-well-formed');
    await page.getByLabel('Endpoint override').fill(sandbox.url);
    await page.getByRole('button', { name: 'Install Integration' }).click();
    await page.getByText('Installed Heap with the default blueprint.').waitFor();
    expect(page.url()).toMatch(/#\/integrations\/int_[0-9a-f]{16}\?installed=1$/);
    await section('Settings').click();
    await page.locator('#config').waitFor();
    const config = await page.locator('#config').innerText();
    for (const row of ['App ID\n1234567890', 'API Key\n********', 'Data region\nUS (heapanalytics.com)', `Endpoint override\n${sandbox.url}`, 'Request timeout (ms)\n10000']) expect(config).toContain(row);
    expect(config).not.toMatch(/app_id|api_key|timeout_ms/);
    await section('Blueprint').click();
    await page.locator('#blueprint-check .ok-text').waitFor();
    expect(await page.getByLabel('Blueprint JSON').inputValue()).toContain('"vendor_event_name": "pageview"');
    expect(await page.content()).not.toContain('wrong-key-but-well-formed');
  });

  it('answers Test connection with the invalid-credentials message, then with success once the key is fixed', async () => {
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('#test-result .notice').waitFor();
    expect(await page.locator('#test-result .notice').textContent()).toBe(
      `Invalid App ID or API key: Heap answered 401 for app ${APP_ID}. Verify the App ID and API key match the correct environment in Heap settings. Heap checks an API key only with the App ID of your main production environment (not Development or another environment): copy that App ID from Settings > Account > Manage > Environment, and use an API key made under Settings > Account > Manage > API Keys.`,
    );

    await section('Settings').click();
    await page.getByText('Edit configuration').click();
    await page.getByLabel('API Key').fill(API_KEY);
    await page.getByRole('button', { name: 'Save configuration' }).click();
    await page.getByText('Saved: revision 2.').waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('#test-result .notice.ok').waitFor();
    expect(await page.locator('#test-result .notice').textContent()).toBe(`Heap accepted the App ID and API key for app ${APP_ID}`);
    expect(await page.content()).not.toContain(API_KEY);
  });

  it('shows events sent through /v1/batch as delivered, with event names and types in their own columns, and replays a dead letter after the fault clears', async () => {
    sandbox.addFault({ path: '/api/track', idempotency_key: 'ui-poison', status: 400, body: '{"error":"events[0]: rejected for the test"}' });
    const batch = ['ui-1', 'ui-2', 'ui-poison'].map((messageId) => ({ type: 'track', event: 'Checkout Started', userId: 'user-ui', messageId }));
    expect((await host.call('POST', '/v1/batch', { batch: [...batch, { type: 'page', name: 'Home', anonymousId: 'anon-ui', messageId: 'ui-page' }] }, host.pipelineKey)).body.accepted).toBe(4);
    await host.delivery.drained();

    await section('Delivery logs').click();
    await page.getByRole('button', { name: 'Refresh delivery logs' }).click();
    await page.locator('#delivery-logs tr[data-message-id="ui-poison"]').waitFor();
    const row = (id: string) => page.locator(`#delivery-logs tr[data-message-id="${id}"]`).first();
    const cell = (id: string, label: string) => row(id).locator(`td[data-label="${label}"]`).innerText();
    expect([await cell('ui-1', 'Event'), await cell('ui-1', 'Type'), await cell('ui-1', 'Message ID'), await cell('ui-1', 'Status'), await cell('ui-1', 'HTTP')]).toEqual(['Checkout Started', 'track', 'ui-1', 'DELIVERED', '200']);
    expect([await cell('ui-page', 'Event'), await cell('ui-page', 'Type'), await cell('ui-page', 'User')]).toEqual(['Home', 'page', 'anon-ui (anonymous)']);
    expect(await row('ui-poison').locator('td[data-label="Status"]').textContent()).toBe('failed');
    expect(await row('ui-poison').locator('td.answer').textContent()).toBe('Heap rejected the request (400): events[0]: rejected for the test');

    await section('Dead letters').click();
    await page.locator('#dead-letters tr[data-message-id="ui-poison"]').waitFor();
    sandbox.clearFaults();
    await page.getByRole('button', { name: 'Replay ui-poison' }).click();
    await page.getByText('Replayed 1 event; they are back in the delivery queue.').waitFor();
    expect(await page.locator('#dead-letters').getByText('No dead letters.').count()).toBe(1);
    await host.delivery.drained();

    await section('Delivery logs').click();
    await page.getByLabel('Status').selectOption('delivered');
    // The unfiltered table (opened with the section) already holds the replayed event's delivered row:
    // wait until the filtered one has replaced it, i.e. the failed attempt is no longer listed.
    await page.locator('#delivery-logs tr[data-message-id="ui-poison"] .badge.delivered').waitFor();
    await page.waitForFunction(() => {
      const statuses = Array.from(document.querySelectorAll('#delivery-logs tbody tr td[data-label="Status"]'), (td) => td.textContent);
      return statuses.length > 0 && !statuses.includes('failed');
    });
    expect(await page.locator('#delivery-logs tbody tr td[data-label="Status"]').allTextContents()).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(sandbox.recordedEvents().map((e) => e.idempotency_key).sort()).toEqual(['ui-1', 'ui-2', 'ui-page', 'ui-poison']);
    await page.screenshot({ path: artifactPath('integration-page.png'), fullPage: true });
  });

  it('shows hostile event names as text: nothing in them runs', async () => {
    const names = ['<img src=x onerror="window.__xss=1">', '<script>window.__xss=2</script>'];
    const batch = names.map((event, i) => ({ type: 'track', event, userId: 'user-xss', messageId: `xss-${i}` }));
    expect((await host.call('POST', '/v1/batch', { batch }, host.pipelineKey)).body.accepted).toBe(2);
    await host.delivery.drained();
    await page.getByLabel('Status').selectOption('');
    await page.locator('#delivery-logs tr[data-message-id="xss-1"]').waitFor();
    expect(await page.locator('#delivery-logs tr[data-message-id="xss-0"] td[data-label="Event"]').textContent()).toBe(names[0]);
    expect(await page.locator('#delivery-logs tr[data-message-id="xss-1"] td[data-label="Event"]').textContent()).toBe(names[1]);
    await page.getByRole('button', { name: 'Details of xss-0' }).click();
    await seeText(page.locator('#pane-event'), 'onerror');
    expect(await page.locator('#delivery-logs img, #delivery-logs script, #event-detail img, #event-detail script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it('counts the installation on the library card: Installed (1)', async () => {
    await page.getByRole('link', { name: '← Installed integrations' }).click();
    await page.getByRole('link', { name: 'Integration Library' }).click();
    const card = page.locator('#catalog .card[data-key="heap"]');
    expect(await seeText(card.locator('.installed-count'), 'Installed')).toBe('Installed (1)');
  });

  it('made no request to any other origin, and logged no error (no CSP refusal)', () => {
    expect(requestsOffHost).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
