// One refresh control for every pane: a "Refresh <pane>" button, an optional auto-refresh switch, and
// when the pane's numbers were last read. A load that fails says so in the same place.
import { h } from './dom.js';
import { formatClock } from './format.js';

let counter = 0;

/**
 * `load()` reads and redraws the pane; `autoMs` adds an "Auto-refresh" switch (on unless
 * `autoOn: false`); `until()` stops auto-refresh once it answers true (then the switch turns off).
 */
export function refreshControl(ctx, { pane, load, autoMs, autoOn = true, until }) {
  const id = `refresh-${++counter}`;
  const stamp = h('span', { class: 'help stamp', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'secondary', 'aria-label': `Refresh ${pane}` }, 'Refresh');
  let busy = false;
  let timer;

  async function run() {
    if (busy || !ctx.active) return;
    busy = true;
    button.disabled = true;
    try {
      await load();
      if (!ctx.active) return;
      stamp.textContent = `Updated ${formatClock(new Date())}`;
      stamp.classList.remove('bad');
      if (until?.() && auto?.checked) {
        auto.checked = false;
        schedule();
      }
    } catch (error) {
      if (!ctx.active || error?.name === 'AbortError') return;
      stamp.textContent = `Could not refresh: ${error.message}`;
      stamp.classList.add('bad');
    } finally {
      busy = false;
      button.disabled = false;
    }
  }

  const auto = autoMs ? h('input', { type: 'checkbox', id, checked: autoOn, onchange: () => schedule() }) : null;
  function schedule() {
    clearInterval(timer);
    if (auto?.checked) timer = setInterval(run, autoMs);
  }
  ctx.onDispose(() => clearInterval(timer));
  button.addEventListener('click', run);

  const element = h('div', { class: 'refresh' },
    button,
    auto ? h('label', { class: 'check', for: id }, auto, ` Auto-refresh every ${autoMs / 1000} s`) : null,
    stamp);
  return {
    element,
    run,
    /** Starts auto-refresh again (after new work, such as a new deletion request). */
    resume() {
      if (!auto) return;
      auto.checked = true;
      schedule();
    },
    start() {
      schedule();
      return run();
    },
  };
}
