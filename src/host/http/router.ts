import type http from 'node:http';

export type Auth = 'admin' | 'pipeline' | 'public';

export interface RouteContext {
  req: http.IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface Reply {
  status?: number;
  /** JSON-serialised unless `text` is given. */
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  auth: Auth;
  handler: (ctx: RouteContext) => Reply | Promise<Reply>;
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

/** Path patterns with `:param` segments; the route table is data, so tests can enumerate it. */
export class Router {
  private readonly table: Route[] = [];

  add(...routes: Route[]): this {
    this.table.push(...routes);
    return this;
  }

  get routes(): readonly Route[] {
    return this.table;
  }

  /** The route for this method and path, or the methods the path does allow (for a 405). */
  match(method: string, path: string): RouteMatch {
    const allowed: string[] = [];
    for (const route of this.table) {
      const params = matchPath(route.path, path);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { allowed } : undefined;
  }
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (got[i] === '') return undefined;
      try {
        params[want[i].slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return undefined;
      }
    } else if (want[i] !== got[i]) {
      return undefined;
    }
  }
  return params;
}
