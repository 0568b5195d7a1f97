// Hash routes → views. Each render gets a context that the next navigation disposes: its timers,
// streams and pending requests end with it, and a late answer never draws over a newer view.
import { token } from './api.js';

const main = () => document.getElementById('main');

export class ViewContext {
  constructor() {
    this.controller = new AbortController();
    this.cleanups = [];
  }

  get signal() {
    return this.controller.signal;
  }

  get active() {
    return !this.controller.signal.aborted;
  }

  onDispose(fn) {
    this.cleanups.push(fn);
  }

  /** Runs `fn` every `ms` until the view goes. */
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    this.onDispose(() => clearInterval(timer));
    return timer;
  }

  dispose() {
    this.controller.abort();
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn();
      } catch {
        // A cleanup that fails must not stop the others.
      }
    }
  }
}

/** Puts a view in <main> (unless a newer navigation already replaced this one). */
export function show(ctx, title, ...content) {
  if (!ctx.active) return false;
  document.title = `${title} · Datafly reference host`;
  main().replaceChildren(...content.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  document.getElementById('sign-out').hidden = !token.present();
  return true;
}

let current;
let table = [];

/** `routes`: [[/^#\/install\/([^/?]+)/, view], ...]; the first match wins; a view gets (ctx, match, query). */
export function setRoutes(routes) {
  table = routes;
}

export async function render() {
  current?.dispose();
  const ctx = (current = new ViewContext());
  const [path, queryString] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(queryString ?? '');
  // A section link followed with the keyboard keeps the focus on the new page's same link.
  const active = document.activeElement;
  const focusedHref = active?.hasAttribute?.('data-keep-focus') ? active.getAttribute('href') : null;
  for (const [pattern, view] of table) {
    const match = pattern.exec(path || '/');
    if (!match) continue;
    try {
      await view(ctx, match.slice(1).map((p) => (p === undefined ? undefined : decodeURIComponent(p))), query);
    } catch (error) {
      if (!ctx.active || error?.name === 'AbortError') return;
      if (error?.status === 401) return;
      const { errorView } = await import('./views/error.js');
      errorView(ctx, error);
    }
    break;
  }
  if (!ctx.active) return;
  const keep = focusedHref && main().querySelector(`a[data-keep-focus][href="${CSS.escape(focusedHref)}"]`);
  // A view that put the focus somewhere itself (the first field of a form) keeps it there.
  const placed = document.activeElement !== main() && main().contains(document.activeElement);
  if (keep) keep.focus();
  else if (!placed) main().focus();
}
