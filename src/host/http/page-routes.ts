import { readFileSync } from 'node:fs';
import type { Route } from './router.js';

/** The page's files, two levels above `src/host/http/` and `dist/host/http/` alike. */
const WEB = new URL('../../../web/', import.meta.url);

/** No inline script, no other origin: the page works offline and reflects nothing unescaped. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const FILES: [path: string, file: string, type: string][] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/app.css', 'app.css', 'text/css; charset=utf-8'],
];

/** The Integration Library page: static files, read once; data comes from the Management API. */
export function pageRoutes(): Route[] {
  return FILES.map(([path, file, type]) => {
    const text = readFileSync(new URL(file, WEB), 'utf8');
    return {
      method: 'GET',
      path,
      auth: 'public',
      handler: () => ({ text, contentType: type, headers: { 'content-security-policy': CSP, 'cache-control': 'no-cache' } }),
    } satisfies Route;
  });
}
