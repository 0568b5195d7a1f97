import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import { createServer } from 'node:net';
import { artifactPath } from '../helpers/browser.js';
import { RetryPolicy } from '../../src/common/retry-policy.js';
import { APP_ID } from '../helpers/heap.js';
import { startTestHost } from '../helpers/host.js';
import { openSession, seeText, unlabelled, type Session } from './support.js';

const RESUMED = 'Delivery resumed: the events that waited are sent now (any that waited longer than the retry window are in the dead letters, to replay).';

/** A loopback port nobody listens on: a sandbox that is not running. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * An integration's lifecycle (issue #11, and a new user's findings): the library counts
 * installations, the page shows which Heap environment it sends to, rename, disable and enable,
 * why delivery is paused and Test connection resuming it, a hint when a local sandbox is not
 * running, delete after a confirmation naming the app id and what goes.
 */
describeInChromium('Integration lifecycle', () => {
  let s: Session;
  let production: string;
  let local: string;
  let localUrl: string;
  const dialog = () => s.page.getByRole('dialog');
  const focused = () => s.page.evaluate(() => (document.activeElement as HTMLElement | null)?.textContent ?? document.activeElement?.id);
  const card = () => s.page.locator('#catalog .card[data-key="heap"] .installed-count');

  beforeAll(async () => {
    // Retries a second apart: a paused event waits long enough (the retry window) for a person to resume it.
    s = await openSession({ host: await startTestHost({ retry: new RetryPolicy([1000, 2000, 4000, 8000], () => 0.5) }) });
    production = await s.install({}, 'Heap production');
  });
  afterAll(async () => s?.close());

  it('counts installations on the library card', async () => {
    await s.page.reload();
    expect(await seeText(card(), 'Installed')).toBe('Installed (1)');
  });

  it('shows prominently which Heap environment it sends to', async () => {
    await s.open(production);
    expect(await s.page.locator('#environment').innerText()).toBe(
      [
        'Sends to Heap',
        'APP ID', APP_ID,
        'DATA REGION', 'US (heapanalytics.com)',
        'ENDPOINT OVERRIDE', `${s.sandbox.url}\n`,
        `No events appearing in Heap? The guide's first cause is the wrong environment: make sure the Heap dashboard shows the environment of app ${APP_ID} (Production and Development have different App IDs).`,
      ].join('\n'),
    );
    expect(await s.page.locator('h1 .badge').innerText()).toBe('RUNNING');
  });

  it('renames in a dialog: the focus moves in, Escape cancels and gives it back, Enter saves', async () => {
    await s.page.getByRole('button', { name: 'Rename' }).click();
    await dialog().waitFor();
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('rename-input');
    expect(await unlabelled(s.page)).toEqual([]);
    await s.page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    expect(await focused()).toBe('Rename');
    expect(await s.page.locator('#integration-name').innerText()).toBe('Heap production');

    await s.page.keyboard.press('Enter');
    await dialog().waitFor();
    expect(await dialog().getAttribute('aria-labelledby')).toBeTruthy();
    await s.page.getByLabel('Name', { exact: true }).fill('');
    await s.page.keyboard.press('Enter');
    expect(await seeText(dialog().locator('.error'), 'Enter a name.')).toBe('Enter a name.');
    await s.page.getByLabel('Name', { exact: true }).fill('Heap EU production');
    await s.page.keyboard.press('Enter');
    await s.page.getByText('Renamed to Heap EU production.').waitFor();
    expect(await s.page.locator('#integration-name').innerText()).toBe('Heap EU production');
    expect((await s.host.call('GET', `/v1/admin/integrations/${production}`)).body.name).toBe('Heap EU production');
  });

  it('disables after saying a disabled integration queues nothing, says so on the page, and enables again', async () => {
    await s.page.getByRole('button', { name: 'Disable' }).click();
    const body = await dialog().locator('.dialog-body').innerText();
    expect(body).toBe(
      `While it is disabled, this integration queues nothing: events sent to the host meanwhile are not kept for it and never reach Heap app ${APP_ID} (US (heapanalytics.com), endpoint override ${s.sandbox.url}).\n\nEvents already in its queue stay there and are delivered when you enable it again.`,
    );
    await dialog().getByRole('button', { name: 'Disable' }).click();
    await s.page.getByText('Disabled Heap EU production: it queues nothing until you enable it.').waitFor();
    expect(await s.page.locator('h1 .badge').innerText()).toBe('DISABLED');
    expect(await s.page.locator('#delivery-state').innerText()).toBe(
      'Disabled: this integration queues nothing. Events sent to the host while it is disabled are not kept for it; events already in its queue wait until it is enabled again.',
    );
    // An event sent now is not queued for it.
    await s.send([{ type: 'track', event: 'While Disabled', userId: 'user-lc', messageId: 'lc-disabled' }], { drain: false });
    expect((await s.host.call('GET', `/v1/admin/integrations/${production}/overview`)).body.queue.waiting).toBe(0);
    await s.page.screenshot({ path: artifactPath('integration-disabled.png'), fullPage: true });

    await s.page.getByRole('button', { name: 'Enable' }).click();
    await s.page.getByText('Enabled Heap EU production: it queues and delivers events again.').waitFor();
    expect(await s.page.locator('h1 .badge').innerText()).toBe('RUNNING');
    expect(await s.page.locator('#delivery-state').count()).toBe(0);
  });

  it('shows why delivery is paused, and Test connection resumes it', async () => {
    s.sandbox.addFault({ path: '/api/track', status: 401, body: '{"error":"Unauthorized"}' });
    await s.send([{ type: 'track', event: 'While Paused', userId: 'user-lc', messageId: 'lc-paused' }]);
    await s.open(production);
    expect(await s.page.locator('h1 .badge').innerText()).toBe('PAUSED');
    expect(await s.page.locator('#delivery-state').innerText()).toMatch(
      new RegExp(`^Delivery is paused since .+: Invalid App ID or API key: Heap answered 401 for app ${APP_ID}\\..*\\nEvents wait in the queue; none is lost\\. Fix the configuration in Settings, or use Test connection once the cause is fixed: a passing test resumes delivery\\.$`, 's'),
    );
    await s.page.screenshot({ path: artifactPath('integration-paused.png'), fullPage: true });

    s.sandbox.clearFaults();
    await s.page.getByRole('button', { name: 'Test connection' }).click();
    await s.page.getByText(RESUMED).waitFor();
    expect(await s.page.locator('#test-result .notice').first().innerText()).toBe(`Heap accepted the App ID and API key for app ${APP_ID}`);
    expect(await seeText(s.page.locator('h1 .badge'), 'RUNNING')).toBe('RUNNING');
    expect(await s.page.locator('#delivery-state').count()).toBe(0);
    // What waited goes out: the live stream shows it delivered.
    await s.page.getByRole('navigation', { name: 'Integration sections' }).getByRole('link', { name: 'Live events' }).click();
    await s.page.locator('#live-events tr[data-message-id="lc-paused"][data-status="delivered"]').waitFor();
    expect(s.sandbox.recordedEvents().map((e) => e.idempotency_key)).toContain('lc-paused');
  });

  it('says the Heap sandbox does not answer when a loopback endpoint is down: after a failed test, and after network errors', async () => {
    localUrl = `http://127.0.0.1:${await closedPort()}`;
    local = await s.install({ endpoint: localUrl }, 'Heap local');
    await s.page.getByRole('link', { name: '← Installed integrations' }).click();
    await s.page.getByRole('link', { name: 'Integration Library' }).click();
    expect(await seeText(card(), 'Installed (2)')).toBe('Installed (2)');
    await s.open(local);
    await s.page.getByRole('button', { name: 'Test connection' }).click();
    await s.page.locator('#test-result .notice.bad').waitFor();
    expect(await s.page.locator('#test-result .hint').innerText()).toBe(`The Heap sandbox at ${localUrl} does not answer; npm start runs one on port 8085 (npm run sandbox runs it alone).`);

    await s.send([{ type: 'track', event: 'Nobody Home', userId: 'user-lc', messageId: 'lc-nobody' }], { drain: false });
    await s.page.getByRole('navigation', { name: 'Integration sections' }).getByRole('link', { name: 'Live events' }).click();
    await s.page.locator('#live-events tr[data-message-id="lc-nobody"]').first().waitFor();
    expect(await s.page.locator('#live-events tr[data-message-id="lc-nobody"] td[data-label="Status"]').first().innerText()).toBe('RETRYABLE');
    await s.page.reload();
    expect(await seeText(s.page.locator('#sandbox-hint'), 'does not answer')).toBe(`The Heap sandbox at ${localUrl} does not answer; npm start runs one on port 8085 (npm run sandbox runs it alone).`);
    await s.page.getByRole('button', { name: `Details of lc-nobody` }).first().click();
    expect(await seeText(s.page.locator('#pane-answer .hint'), 'does not answer')).toContain(localUrl);
    await s.page.screenshot({ path: artifactPath('integration-sandbox-down.png'), fullPage: true });
  });

  it('deletes after a confirmation naming the app id and what goes now and what stays', async () => {
    await s.page.getByRole('button', { name: 'Delete' }).click();
    await dialog().waitFor();
    expect(await dialog().locator('h2').innerText()).toBe('Delete Heap local?');
    const body = await dialog().locator('.dialog-body').innerText();
    expect(body).toMatch(
      new RegExp(
        `^This integration sends to Heap app ${APP_ID} \\(US \\(heapanalytics\\.com\\), endpoint override ${localUrl.replace(/\./g, '\\.')}\\)\\.\\n\\n` +
          'Deleted now: the integration with its configuration and revisions, its queue \\(\\d+ waiting events?\\) and its dead letters \\(\\d+ events?\\)\\.\\n' +
          'Its delivery logs can no longer be seen \\(its pages and API routes answer "not found"\\); they stay in the host\'s database until their retention of 30 days runs out\\.\\n\\n' +
          'What Heap already received stays there\\. This cannot be undone\\.$',
      ),
    );
    expect(await focused()).toBe('Delete Heap local');
    await s.page.screenshot({ path: artifactPath('integration-delete-dialog.png') });
    await s.page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    expect(await focused()).toBe('Delete');

    await s.page.getByRole('button', { name: 'Delete' }).click();
    await dialog().waitFor();
    await s.page.keyboard.press('Enter');
    await s.page.getByText('Deleted Heap local.').waitFor();
    expect(await s.page.locator('#installed tbody tr td[data-label="Name"]').allInnerTexts()).toEqual(['Heap EU production']);
    expect((await s.host.call('GET', `/v1/admin/integrations/${local}`)).status).toBe(404);
    // What the dialog said: its delivery logs stay in the database until their retention, and nothing shows them.
    expect((await s.host.store.logs.page(local, { limit: 10 })).rows.length).toBeGreaterThan(0);
    expect((await s.host.call('GET', `/v1/admin/integrations/${local}/delivery-logs`)).status).toBe(404);
    await s.page.goto(`${s.host.url}/#/integrations/${local}/logs`);
    expect(await seeText(s.page.locator('.notice.bad'), 'not found')).toBe(`Integration ${local} was not found`);
    await s.page.goto(`${s.host.url}/#/integrations`);
    await s.page.getByRole('link', { name: 'Integration Library' }).click();
    expect(await seeText(card(), 'Installed')).toBe('Installed (1)');
  });

  it('made no request to any other origin, and logged no error', () => {
    expect(s.requestsOffHost).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});
