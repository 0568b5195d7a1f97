// Revisions, newest first: what each changed, a line diff of its config and blueprint against the
// current revision (jsdiff), and Restore (a new revision with that one's config and blueprint).
import { api, enc } from '../api.js';
import { openDialog } from '../dialog.js';
import { lineDiff } from '../diff.js';
import { facts, fill, h } from '../dom.js';
import { formatTime, plural, pretty } from '../format.js';
import { refreshControl } from '../refresh.js';
import { render } from '../router.js';
import { flashNext } from './environment.js';

const SIGNS = { add: '+ ', del: '- ', same: '  ' };

/** What the diff compares: config (secrets masked, so a changed key shows no line) and blueprint. */
export const revisionText = (r) => pretty({ config: r.config, blueprint: r.blueprint });

async function diffBlock(revision, current) {
  const lines = await lineDiff(revisionText(revision), revisionText(current));
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  return h('div', { class: 'diff-block', id: `diff-${revision.revision_number}` },
    h('p', { class: 'diff-summary' }, added + removed === 0
      ? `Revision ${revision.revision_number} has the same config and blueprint as the current revision (${current.revision_number}).`
      : `Revision ${revision.revision_number} → current (${current.revision_number}): ${plural(removed, 'line')} removed, ${plural(added, 'line')} added.`),
    added + removed === 0 ? null : h('p', { class: 'help' }, `"-" lines are only in revision ${revision.revision_number}, "+" lines only in the current revision. Secrets are masked on both sides.`),
    added + removed === 0 ? null : h('pre', { class: 'diff', tabindex: '0', 'aria-label': `Differences between revision ${revision.revision_number} and the current revision` },
      lines.map((l) => l.kind === 'fold'
        ? h('span', { class: 'line fold' }, `  ⋯ ${plural(l.count, 'unchanged line')}\n`)
        : h('span', { class: `line ${l.kind}` }, `${SIGNS[l.kind]}${l.text}\n`))));
}

/** One revision: what changed, and (unless it is the current one) compare and restore. */
function revisionItem(page, r, current) {
  const isCurrent = r === current;
  const diffArea = h('div', { class: 'diff-area' });
  const compare = isCurrent ? null : h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': `diff-area-${r.revision_number}`, 'aria-label': `Compare revision ${r.revision_number} with the current revision` }, 'Compare with current');
  diffArea.id = `diff-area-${r.revision_number}`;
  compare?.addEventListener('click', async () => {
    const open = compare.getAttribute('aria-expanded') === 'true';
    compare.setAttribute('aria-expanded', String(!open));
    fill(diffArea, open ? null : await diffBlock(r, current));
  });
  const restore = isCurrent ? null : h('button', { type: 'button', class: 'secondary', onclick: () => openDialog({
    title: `Restore revision ${r.revision_number}?`,
    body: [h('p', {}, `Its config and blueprint become revision ${current.revision_number + 1}; events are delivered with them from then on. Revision ${current.revision_number} stays in this list.`)],
    confirm: `Restore revision ${r.revision_number}`,
    async onConfirm() {
      const restored = await api('POST', `/integrations/${enc(page.id)}/revisions/${r.revision_number}/restore`);
      flashNext(`Restored revision ${r.revision_number} as revision ${restored.revision}.`);
      await render();
    },
  }) }, `Restore revision ${r.revision_number}`);
  return h('li', { class: 'revision', 'data-revision': r.revision_number },
    h('h3', {}, `Revision ${r.revision_number}`, isCurrent ? h('span', { class: 'badge ok' }, 'Current') : null),
    facts([
      ['Saved', formatTime(r.created_at)],
      ['Change', r.change_summary],
      r.name ? ['Name', r.name] : null,
      ['Enabled', r.enabled ? 'yes' : 'no'],
    ]),
    isCurrent ? null : h('div', { class: 'toolbar' }, compare, restore),
    diffArea);
}

export async function revisionsSection(ctx, page, panel) {
  const list = h('ol', { class: 'revisions', id: 'revisions' });
  // Pages of 50, newest first; the current revision is the first of the first page.
  let current;
  let next = null;
  const older = h('button', { type: 'button', class: 'secondary', id: 'older-revisions', hidden: true, onclick: async () => {
    const answer = await api('GET', `/integrations/${enc(page.id)}/revisions?cursor=${enc(next)}`, undefined, ctx);
    list.append(...answer.data.map((r) => revisionItem(page, r, current)));
    showMore(answer);
  } }, 'Older revisions');
  const showMore = (answer) => {
    next = answer.next_cursor;
    older.hidden = !answer.has_more;
  };
  const refresh = refreshControl(ctx, {
    pane: 'revisions',
    load: async () => {
      const answer = await api('GET', `/integrations/${enc(page.id)}/revisions`, undefined, ctx);
      current = answer.data[0];
      fill(list, answer.data.map((r) => revisionItem(page, r, current)));
      showMore(answer);
    },
  });
  fill(panel,
    h('div', { class: 'section-head' }, h('h2', { id: 'section-title' }, 'Revisions'), refresh.element),
    h('p', { class: 'help' }, 'Every change of name, state, config or blueprint is a revision. Compare one with the current revision, or restore its config and blueprint as a new revision.'),
    list,
    older);
  await refresh.start();
}
