import type { Browser, Locator, Page } from 'playwright-core';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import { DEFAULT_DEADLINE_MS } from '../helpers/conditions.js';
import { launchChromium } from '../helpers/browser.js';
import { API_KEY, APP_ID, startSandbox } from '../helpers/heap.js';
import { startTestHost } from '../helpers/host.js';

/**
 * A person at the page: a real host, the Heap sandbox, Debian's Chromium signed in with the admin
 * token. Every request the page makes off the host and every error it logs (a CSP refusal among
 * them) is collected, for the tests to assert there were none.
 */
export type SessionHost = Awaited<ReturnType<typeof startTestHost>>;

export interface Session {
  sandbox: HeapSandbox;
  host: SessionHost;
  browser: Browser;
  page: Page;
  requestsOffHost: string[];
  pageErrors: string[];
  /** Installs Heap through the API (app id and key of the sandbox unless given); answers the id. */
  install(config?: Record<string, unknown>, name?: string): Promise<string>;
  /** Sends events through /v1/batch and waits until the host has nothing left to deliver. */
  send(batch: Record<string, unknown>[], options?: { drain?: boolean }): Promise<{ accepted: number; disabled_integrations?: number }>;
  /** Opens an integration's page at a section (by its address, as a bookmark does). */
  open(id: string, section?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A signed-in page over a host and a sandbox. A host given in `options` is the session's from then on
 * (closed with it). If anything fails on the way (no Chromium, say), everything started is stopped
 * before the error is thrown: the test file fails instead of leaving Jest waiting on open servers.
 */
export async function openSession(options: { width?: number; height?: number; host?: SessionHost } = {}): Promise<Session> {
  const stops: (() => Promise<unknown>)[] = [];
  if (options.host) stops.push(() => options.host!.cleanup());
  try {
    return await startSession(options, stops);
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

async function startSession(options: { width?: number; height?: number; host?: SessionHost }, stops: (() => Promise<unknown>)[]): Promise<Session> {
  const browser = await launchChromium();
  stops.push(() => browser.close());
  const sandbox = await startSandbox();
  stops.push(() => sandbox.stop());
  const host = options.host ?? (await startTestHost());
  if (!options.host) stops.push(() => host.cleanup());
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
  // Every wait on the page is for something to show; its deadline only ends a hung test.
  page.setDefaultTimeout(DEFAULT_DEADLINE_MS);
  const requestsOffHost: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(host.url) && !request.url().startsWith('data:')) requestsOffHost.push(request.url());
  });
  page.on('console', (message) => {
    // The browser's own line for an answer the page handles (a 400 it shows, a host that is down) is not the page's error.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${host.url}/`);
  await page.getByLabel('Admin token').fill(host.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#catalog .card').first().waitFor();

  const session: Session = {
    sandbox, host, browser, page, requestsOffHost, pageErrors,
    async install(config = {}, name = 'Heap') {
      const answer = await session.host.call('POST', '/v1/admin/integration-catalog/heap/install', { name, config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url, ...config } });
      if (answer.status !== 201) throw new Error(`install answered ${answer.status}: ${answer.text}`);
      return answer.body.id;
    },
    async send(batch, { drain = true } = {}) {
      const answer = await session.host.call('POST', '/v1/batch', { batch }, session.host.pipelineKey);
      if (answer.status !== 200) throw new Error(`batch answered ${answer.status}: ${answer.text}`);
      if (drain) await session.host.delivery.drained();
      return answer.body;
    },
    async open(id, section) {
      const target = `${session.host.url}/#/integrations/${id}${section ? `/${section}` : ''}`;
      // The same address again is no navigation at all: read the page afresh, as a person reloads it.
      if (page.url() === target) await page.reload();
      else await page.goto(target);
      // The new page, not the one still shown while it loads.
      await page.locator(`#section-${section ?? 'overview'}[data-integration="${id}"] #section-title`).waitFor();
    },
    async close() {
      await browser.close();
      await host.cleanup();
      await sandbox.stop();
    },
  };
  return session;
}

/** The line (1-based) of the first line of `text` that contains `needle`, after `after` if given. */
export function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split('\n');
  const start = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  const index = lines.findIndex((l, i) => i >= start && l.includes(needle));
  if (index < 0) throw new Error(`no line contains ${needle}`);
  return index + 1;
}

/**
 * Waits, as a person waits to read it, until one of `locator`'s elements shows `text` (contained, or
 * matching a pattern); answers that element's text.
 */
export async function seeText(locator: Locator, text: string | RegExp): Promise<string> {
  const match = locator.filter({ hasText: text }).first();
  await match.waitFor();
  return match.innerText();
}

/** The texts of a table's cells under one column (`data-label`), top to bottom. */
export function column(rows: Locator, label: string): Promise<string[]> {
  return rows.locator(`td[data-label="${label}"]`).allInnerTexts();
}

/**
 * What sticks out past the right edge of a `width`-wide page (ignoring what scrolls or is clipped
 * inside its own box, such as a wide table or a code block): "tag.class#id" each, and the page's
 * own width when it scrolls sideways (empty when nothing does).
 */
export function overflowing(page: Page, width: number): Promise<string[]> {
  return page.evaluate((w) => {
    const scrolls = (e: Element | null): boolean => {
      for (let p = e?.parentElement; p && p !== document.body; p = p.parentElement) if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const out = Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > w + 1 && !scrolls(e));
    return [...out.map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}#${e.id}`), ...(document.documentElement.scrollWidth > w ? [`page ${document.documentElement.scrollWidth} px wide`] : [])];
  }, width);
}

/** Controls a person using a screen reader could not name: "tag#id" each (empty when every control has a label). */
export function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('input:not([type="hidden"]):not([hidden]), select, textarea, button, meter, a[href]'))
      .filter((el) => {
        const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        if (aria) return false;
        if (el instanceof HTMLButtonElement || el instanceof HTMLAnchorElement) return (el.textContent ?? '').trim() === '';
        return ((el as HTMLInputElement).labels?.length ?? 0) === 0;
      })
      .map((el) => `${el.tagName.toLowerCase()}#${el.id}`),
  );
}

/**
 * Words split across two lines inside the elements `selector` matches ("Newslette / r"): "word in
 * tag[data-label]" each. A word is a run without spaces, hyphens or slashes (the page may wrap after
 * those) of at most `longest` characters: longer runs are tokens (ids, JSON), which may break anywhere.
 */
export function splitWords(page: Page, selector: string, longest = 24): Promise<string[]> {
  return page.evaluate(([sel, max]) => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll(sel))) {
      // The element's text as one string (a word may span text nodes, split by a <wbr>), and where each node starts in it.
      const nodes: { node: Text; start: number }[] = [];
      let text = '';
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        nodes.push({ node: node as Text, start: text.length });
        text += node.textContent ?? '';
      }
      const at = (offset: number, end: boolean) => {
        const hit = [...nodes].reverse().find((n) => (end ? n.start < offset : n.start <= offset))!;
        return [hit.node, offset - hit.start] as const;
      };
      for (const m of text.matchAll(/[^\s\-/]+/g)) {
        if (m[0].length > max) continue;
        const range = document.createRange();
        range.setStart(...at(m.index!, false));
        range.setEnd(...at(m.index! + m[0].length, true));
        const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
        if (tops.size > 1) out.push(`${m[0]} in ${el.tagName.toLowerCase()}[${el.getAttribute('data-label') ?? el.id}]`);
      }
    }
    return out;
  }, [selector, longest] as const);
}

/** Buttons (not the link-styled ones) whose label takes more than one line ("Repl / ay"): their labels. */
export function wrappedButtons(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('button:not(.link), .button'))
      .filter((b) => b.getClientRects().length > 0)
      .filter((b) => {
        const range = document.createRange();
        range.selectNodeContents(b);
        return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size > 1;
      })
      .map((b) => (b.textContent ?? '').trim()),
  );
}

/**
 * Elements and text inside a box `selector` matches that stick out past its right edge without
 * scrolling inside something of their own in it: "tag.class" each (empty when everything stays in its box).
 */
export function outOfBox(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const out: string[] = [];
    for (const box of Array.from(document.querySelectorAll(sel))) {
      const right = box.getBoundingClientRect().right;
      const scrollsInside = (e: Element) => {
        for (let p = e.parentElement; p && p !== box; p = p.parentElement) if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
        return false;
      };
      const name = (e: Element) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}`;
      for (const e of Array.from(box.querySelectorAll('*'))) {
        if (e.getBoundingClientRect().right > right + 1 && !scrollsInside(e)) out.push(name(e));
      }
      // Text runs past its own element's edge without widening it: a long line in a paragraph.
      const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        if (range.getBoundingClientRect().right > right + 1 && !scrollsInside(node as unknown as Element)) out.push(`text in ${name(node.parentElement!)}`);
      }
    }
    return out;
  }, selector);
}
