import type { FastifyInstance } from 'fastify';
import type { Auth } from './auth.js';

export interface RouteEntry {
  method: string;
  url: string;
  auth: Auth;
  /** Left out of the OpenAPI document (the page's files, the document itself). */
  hidden: boolean;
}
const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route of an app, as registered: tests check each is documented and each guards its auth. */
export function routesOf(app: FastifyInstance): readonly RouteEntry[] {
  return routeTables.get(app) ?? [];
}

/** Keeps the table of an app's routes as they are registered. */
export function recordRoutes(app: FastifyInstance): void {
  const patterns: RouteEntry[] = [];
  routeTables.set(app, patterns);
  app.addHook('onRoute', (route) => {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [route.method].flat()) if (method !== 'HEAD') patterns.push({ method, url: route.url, auth: route.config?.auth ?? 'public', hidden });
  });
}

/** The methods an app's routes take on `path`, in the order they were registered (a 405's `allow`). */
export function allowedMethods(app: FastifyInstance, path: string): string[] {
  return routesOf(app)
    .filter((r) => matches(r.url, path))
    .map((r) => r.method);
}

function matches(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const got = path.split('/');
  return want.length === got.length && want.every((w, i) => (w.startsWith(':') ? got[i] !== '' : w === got[i]));
}
