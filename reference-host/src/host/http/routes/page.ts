import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyReply } from 'fastify';
import type { Api } from './deps.js';

/** The page's files, in `web/` of the workspace: reached alike from `src/host/http/routes/` and `dist/host/http/routes/`. */
const WEB = new URL('../../../../web/', import.meta.url);

/** No inline script, no other origin: the page works offline and reflects nothing unescaped. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/**
 * The only files served from node_modules: browser builds the page imports, each under a fixed
 * name in /vendor/. jsdiff's UMD build sets `globalThis.Diff` when loaded as a module.
 */
const VENDOR: Record<string, { pkg: string; file: string }> = {
  'diff.js': { pkg: 'diff', file: 'dist/diff.min.js' },
};

/** Every file under web/ (recursively), relative paths with forward slashes. */
function webFiles(dir = WEB, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? webFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

function vendorText(pkg: string, file: string): string {
  const root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  return readFileSync(join(root, file), 'utf8');
}

/** The Integration Library page: static files read once at start; data comes from the Management API. */
export function pageRoutes(app: Api): void {
  const serve = (path: string, type: string, text: string) => {
    const send = async (_req: unknown, reply: FastifyReply) => reply.header('content-security-policy', CSP).header('cache-control', 'no-cache').type(type).send(text);
    app.get(path, { config: { auth: 'public' }, schema: { hide: true } }, send);
    return send;
  };
  for (const file of webFiles()) {
    const type = TYPES[file.slice(file.lastIndexOf('.'))];
    if (!type) continue;
    const send = serve(`/${file}`, type, readFileSync(new URL(file, WEB), 'utf8'));
    if (file === 'index.html') app.get('/', { config: { auth: 'public' }, schema: { hide: true } }, send);
  }
  for (const [name, { pkg, file }] of Object.entries(VENDOR)) serve(`/vendor/${name}`, TYPES['.js'], vendorText(pkg, file));
}
