// Lifecycle of an integration: test the connection (which resumes a paused one), rename, disable
// or enable, delete. Each change is a new revision, except deletion.
import { api, enc } from '../api.js';
import { openDialog } from '../dialog.js';
import { fill, h, notice } from '../dom.js';
import { plural } from '../format.js';
import { sandboxHint } from '../hints.js';
import { render } from '../router.js';
import { environmentWords, flashNext } from './environment.js';

/** The button, or null when the plugin offers no connection test. */
export function testConnection(page, result) {
  if (page.integration.connection_test === false) return null;
  const button = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    button.disabled = true;
    fill(result, h('p', { class: 'help' }, 'Checking…'));
    try {
      const answer = await api('POST', `/integrations/${enc(page.id)}/test-connection`);
      fill(result,
        notice(answer.ok ? 'ok' : 'bad', answer.message),
        answer.resumed ? notice('ok', 'Delivery resumed: the events that waited are sent now (any that waited longer than the retry window are in the dead letters, to replay).') : null,
        answer.ok ? null : sandboxHint(page.integration.summary?.endpoint, answer.code, page.manifest.name));
      if (answer.resumed || answer.ok) await page.reloadState();
    } catch (error) {
      fill(result, notice('bad', error.message));
    } finally {
      button.disabled = false;
    }
  } }, 'Test connection');
  return button;
}

export function renameButton(page) {
  return h('button', { type: 'button', class: 'secondary', onclick: () => {
    const input = h('input', { id: 'rename-input', type: 'text', value: page.integration.name, required: true, maxlength: 200, 'aria-describedby': 'rename-help' });
    return openDialog({
      title: `Rename ${page.integration.name}`,
      body: [h('div', { class: 'field' }, h('label', { for: 'rename-input' }, 'Name'), input, h('p', { class: 'help', id: 'rename-help' }, 'The name is saved as a new revision.'))],
      confirm: 'Rename',
      async onConfirm() {
        const name = input.value.trim();
        if (!name) {
          input.setAttribute('aria-invalid', 'true');
          throw new Error('Enter a name.');
        }
        await api('PATCH', `/integrations/${enc(page.id)}`, { name });
        flashNext(`Renamed to ${name}.`);
        await render();
      },
    });
  } }, 'Rename');
}

export function toggleButton(page) {
  const { integration } = page;
  if (!integration.enabled) {
    return h('button', { type: 'button', class: 'secondary', onclick: async (e) => {
      e.currentTarget.disabled = true;
      await api('PATCH', `/integrations/${enc(page.id)}`, { enabled: true });
      flashNext(`Enabled ${integration.name}: it queues and delivers events again.`);
      await render();
    } }, 'Enable');
  }
  return h('button', { type: 'button', class: 'secondary', onclick: () =>
    openDialog({
      title: `Disable ${integration.name}?`,
      body: [
        h('p', {}, `While it is disabled, this integration queues nothing: events sent to the host meanwhile are not kept for it and never reach ${page.manifest.name} ${environmentWords(integration)}.`),
        h('p', {}, 'Events already in its queue stay there and are delivered when you enable it again.'),
      ],
      confirm: 'Disable',
      async onConfirm() {
        await api('PATCH', `/integrations/${enc(page.id)}`, { enabled: false });
        flashNext(`Disabled ${integration.name}: it queues nothing until you enable it.`);
        await render();
      },
    }) }, 'Disable');
}

export function deleteButton(page) {
  const button = h('button', { type: 'button', class: 'secondary danger-outline', onclick: async () => {
    const { integration, manifest } = page;
    button.disabled = true;
    const [queue, host] = await Promise.all([
      api('GET', `/integrations/${enc(page.id)}/overview`).then((o) => o.queue, () => undefined),
      api('GET', '/host').catch(() => undefined),
    ]);
    button.disabled = false;
    const now = queue
      ? `its queue (${plural(queue.waiting, 'waiting event')}) and its dead letters (${plural(queue.dead, 'event')})`
      : 'its queue and its dead letters';
    return openDialog({
      title: `Delete ${integration.name}?`,
      body: [
        h('p', {}, `This integration sends to ${manifest.name} ${environmentWords(integration)}.`),
        h('ul', {},
          h('li', {}, `Deleted now: the integration with its configuration and revisions, ${now}.`),
          // The logs outlive the integration but nothing serves them: the dialog says both.
          h('li', {}, `Its delivery logs can no longer be seen (its pages and API routes answer "not found"); they stay in the host's database until their retention${host ? ` of ${plural(host.delivery_log_retention_days, 'day')}` : ''} runs out.`)),
        h('p', {}, `What ${manifest.name} already received stays there. This cannot be undone.`),
      ],
      confirm: `Delete ${integration.name}`,
      danger: true,
      opener: button,
      async onConfirm() {
        await api('DELETE', `/integrations/${enc(page.id)}`);
        location.hash = `#/integrations?deleted=${enc(integration.name)}`;
      },
    });
  } }, 'Delete');
  return button;
}
