import { readdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** The page's files, two levels above `src/host/http/` and `dist/host/http/` alike. */
const WEB = new URL('../../../web/', import.meta.url);

/** No inline script, no other origin: the page works offline and reflects nothing unescaped. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

/** Every file under web/ (recursively), relative paths with forward slashes. */
function webFiles(dir = WEB, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? webFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** The Integration Library page: static files read once at start; data comes from the Management API. */
export function pageRoutes(app: FastifyInstance): void {
  for (const file of webFiles()) {
    const type = TYPES[file.slice(file.lastIndexOf('.'))];
    if (!type) continue;
    const text = readFileSync(new URL(file, WEB), 'utf8');
    const send = async (_req: unknown, reply: import('fastify').FastifyReply) =>
      reply.header('content-security-policy', CSP).header('cache-control', 'no-cache').type(type).send(text);
    app.get(`/${file}`, { config: { auth: 'public' }, schema: { hide: true } }, send);
    if (file === 'index.html') app.get('/', { config: { auth: 'public' }, schema: { hide: true } }, send);
  }
}
