import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeInChromium } from '../helpers/browser-suite.js';
import { ContainerModule } from 'inversify';
import { INTEGRATION_PLUGIN, type IntegrationPlugin } from '@datafly/heap-integration/contract';
import { artifactPath } from '../helpers/browser.js';
import { API_KEY, APP_ID, heapPlugin } from '../helpers/heap.js';
import { startTestHost } from '../helpers/host.js';
import { openSession, overflowing, seeText, unlabelled, type Session } from './support.js';

/** Heap's delivery under another catalog key, declaring no capability: a plugin without user deletion. */
const heap = heapPlugin();
const withoutDeletion: IntegrationPlugin = {
  manifest: { ...heap.manifest, key: 'heap_basic', name: 'Heap Basic', capabilities: [] },
  configSchema: heap.configSchema,
  blueprintOptionsSchema: heap.blueprintOptionsSchema,
  defaultBlueprint: (variant) => ({ ...heap.defaultBlueprint(variant), integration: 'heap_basic' }),
  createAdapter: (context, deps) => heap.createAdapter(context as never, deps),
};

/**
 * Privacy (issue #10): "Delete a user" on the integration page when the plugin declares
 * user_deletion, a confirmation naming the user and the Heap environment, and the deletion requests
 * with their status, followed until Heap says they are complete.
 */
describeInChromium('Privacy: delete a user', () => {
  let s: Session;
  let id: string;
  const dialog = () => s.page.getByRole('dialog');
  const rows = () => s.page.locator('#deletion-list tbody tr');

  beforeAll(async () => {
    const host = await startTestHost({}, { modules: [new ContainerModule(({ bind }) => void bind(INTEGRATION_PLUGIN).toConstantValue(withoutDeletion))] });
    s = await openSession({ host });
    id = await s.install();
    await s.send([
      { type: 'track', event: 'Signed Up', userId: 'user-gdpr', messageId: 'gdpr-1' },
      { type: 'track', event: 'Signed Up', userId: 'user-stays', messageId: 'gdpr-2' },
    ]);
  });
  afterAll(async () => s?.close());

  it('offers Privacy only where the plugin declares user deletion', async () => {
    const basic = await s.host.call('POST', '/v1/admin/integration-catalog/heap_basic/install', { config: { app_id: APP_ID, api_key: API_KEY, endpoint: s.sandbox.url } });
    expect(basic.status).toBe(201);
    await s.open(basic.body.id);
    const sections = s.page.getByRole('navigation', { name: 'Integration sections' }).getByRole('link');
    expect(await sections.allInnerTexts()).toEqual(['Overview', 'Live events', 'Delivery logs', 'Data quality', 'Dead letters', 'Blueprint', 'Revisions', 'Settings']);
    await s.open(id);
    expect(await sections.allInnerTexts()).toEqual(['Overview', 'Live events', 'Delivery logs', 'Data quality', 'Dead letters', 'Blueprint', 'Revisions', 'Settings', 'Privacy']);
    await sections.filter({ hasText: 'Privacy' }).click();
    await s.page.locator('#section-privacy #section-title').waitFor();
    expect(await s.page.locator('#deletions').innerText()).toBe('No deletion requests yet.');
  });

  it('asks for a user before anything else', async () => {
    await s.page.getByRole('button', { name: 'Delete a user' }).click();
    expect(await s.page.locator('#delete-error').innerText()).toBe('Enter the user ID, the anonymous ID, or both.');
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('delete-identity');
    expect(await dialog().count()).toBe(0);
  });

  it('confirms naming the user and the Heap environment; Escape cancels and nothing is sent', async () => {
    await s.page.getByLabel('User ID').fill('user-gdpr');
    await s.page.getByLabel('User ID').press('Enter');
    await dialog().waitFor();
    expect(await dialog().locator('h2').innerText()).toBe('Delete user-gdpr from Heap?');
    expect(await dialog().locator('.dialog-body').innerText()).toBe(
      `Heap deletes the user with user ID user-gdpr, and every event of theirs, from app ${APP_ID} (US (heapanalytics.com), endpoint override ${s.sandbox.url}).\n\n` +
        'Their events still waiting in this integration\'s queue are dropped now (logged as filtered, "user deleted"). This cannot be undone.',
    );
    expect(await s.page.evaluate(() => document.activeElement?.textContent)).toBe('Delete user-gdpr');
    await s.page.screenshot({ path: artifactPath('privacy-dialog.png') });
    await s.page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('delete-identity');
    expect((await s.host.call('GET', `/v1/admin/integrations/${id}/user-deletions`)).body.data).toEqual([]);
  });

  it('requests the deletion and follows it until Heap says it is complete', async () => {
    await s.page.getByLabel('Anonymous ID').fill('anon-gdpr');
    await s.page.getByLabel('Requested by (optional)').fill('ticket GDPR-17');
    await s.page.getByRole('button', { name: 'Delete a user' }).click();
    await dialog().waitFor();
    expect(await dialog().locator('.dialog-body p').first().innerText()).toContain('user ID user-gdpr and anonymous ID anon-gdpr');
    await s.page.keyboard.press('Enter');
    expect(await seeText(s.page.locator('#deletion-result'), 'requested')).toMatch(
      /^Deletion of user-gdpr requested \(del_[0-9a-f]{16}\); 0 waiting events dropped\. The list below follows it until Heap says it is complete\.$/,
    );
    expect(await s.page.getByLabel('User ID').inputValue()).toBe('');
    await rows().first().waitFor();
    // Followed on its own (every 2 s) until complete; then the auto-refresh stops.
    await s.page.locator('#deletion-list tbody tr[data-status="complete"]').waitFor();
    const cell = (label: string) => rows().first().locator(`td[data-label="${label}"]`).innerText();
    expect(await cell('Status')).toBe('COMPLETE');
    expect(await cell('Users')).toBe('1 user ID, 1 anonymous ID Show');
    expect(await cell('Requested by')).toBe('ticket GDPR-17');
    expect(await cell('Heap requests')).toMatch(/^[0-9a-f-]{36} \(complete\)(, [0-9a-f-]{36} \(complete\))*$/);
    expect(await cell('Completed')).not.toBe('');
    expect(await s.page.getByLabel('Auto-refresh every 2 s').isChecked()).toBe(false);
    await s.page.getByRole('button', { name: /^Show the users of deletion del_/ }).click();
    expect(await seeText(rows().first().locator('.ids'), 'user-gdpr')).toBe('user-gdpr, anon-gdpr (anonymous)');

    // Heap (the sandbox) deleted that user and kept the other.
    const identities = s.sandbox.recordedEvents().map((e) => e.identity);
    expect(identities).not.toContain('user-gdpr');
    expect(identities).toContain('user-stays');
    await s.page.screenshot({ path: artifactPath('privacy.png'), fullPage: true });
  });

  it('is usable on a phone (390 px)', async () => {
    await s.page.setViewportSize({ width: 390, height: 844 });
    expect(await overflowing(s.page, 390)).toEqual([]);
    expect(await unlabelled(s.page)).toEqual([]);
    await s.page.screenshot({ path: artifactPath('privacy-390.png'), fullPage: true });
  });

  it('made no request to any other origin, and logged no error', () => {
    expect(s.requestsOffHost).toEqual([]);
    expect(s.pageErrors).toEqual([]);
  });
});
