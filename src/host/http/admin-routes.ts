import { configJsonSchema } from '../../contract/index.js';
import { badRequest, notFound } from '../errors.js';
import type { IntegrationService } from '../integrations.js';
import type { Metrics } from '../metrics.js';
import type { PluginRegistry } from '../registry.js';
import type { DeliveryLogStore } from '../store/delivery-logs.js';
import type { DeliveryQueue } from '../store/queue.js';
import type { Route } from './router.js';

export interface AdminDeps {
  registry: PluginRegistry;
  integrations: IntegrationService;
  queue: DeliveryQueue;
  logs: DeliveryLogStore;
  metrics: Metrics;
  testConnection: (integrationId: string) => Promise<unknown>;
  wake: (integrationIds: string[]) => void;
  clock: () => number;
  version: string;
  startedAt: number;
}

const BASE = '/v1/admin';

/** Cursor pagination as the host documents it: `?cursor=&limit=`, default 50, at most 100. */
function paging(query: URLSearchParams): { cursor?: number; limit: number } {
  const limitText = query.get('limit');
  const limit = limitText === null ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest('limit: must be a whole number from 1 to 100', [{ field: 'limit', message: 'must be a whole number from 1 to 100' }]);
  const cursorText = query.get('cursor');
  if (cursorText === null || cursorText === '') return { limit };
  const cursor = Number(cursorText);
  if (!Number.isInteger(cursor) || cursor < 0) throw badRequest('cursor: must be a cursor from a previous page', [{ field: 'cursor', message: 'is not a cursor from a previous page' }]);
  return { cursor, limit };
}

/** The list envelope the host documents; `next` is the cursor of the following page, if any. */
function listPage<T>(data: T[], next?: number): { body: { data: T[]; next_cursor: string | null; has_more: boolean } } {
  return { body: { data, next_cursor: next === undefined ? null : String(next), has_more: next !== undefined } };
}

export function adminRoutes(deps: AdminDeps): Route[] {
  const { registry, integrations, queue, logs } = deps;
  /** The integration, or the 404 that says it is not there. */
  const requireIntegration = (id: string) => integrations.get(id);

  return [
    {
      method: 'GET',
      path: '/health',
      auth: 'public',
      handler: () => ({ body: { status: 'ok', version: deps.version, uptime_s: Math.round((deps.clock() - deps.startedAt) / 1000) } }),
    },
    {
      method: 'GET',
      path: '/metrics',
      auth: 'admin',
      handler: () => ({ text: deps.metrics.render(queue.depth()), contentType: 'text/plain; version=0.0.4' }),
    },
    {
      method: 'GET',
      path: `${BASE}/integration-catalog`,
      auth: 'admin',
      handler: ({ query }) => {
        return listPage(registry.list(query.get('category') ?? undefined).map((p) => p.manifest));
      },
    },
    {
      method: 'GET',
      path: `${BASE}/integration-catalog/:key`,
      auth: 'admin',
      handler: ({ params }) => {
        const plugin = registry.get(params.key);
        if (!plugin) throw notFound(`Catalog entry "${params.key}"`);
        return {
          body: {
            ...plugin.manifest,
            config_schema: configJsonSchema(plugin.configSchema),
            default_blueprints: Object.fromEntries(plugin.manifest.variants.map((v) => [v.key, plugin.defaultBlueprint(v.key)])),
          },
        };
      },
    },
    {
      method: 'POST',
      path: `${BASE}/integration-catalog/:key/install`,
      auth: 'admin',
      handler: ({ params, body }) => ({ status: 201, body: integrations.present(integrations.install(params.key, body)) }),
    },
    {
      method: 'GET',
      path: `${BASE}/integrations`,
      auth: 'admin',
      handler: ({ query }) => {
        const { cursor, limit } = paging(query);
        const all = integrations.list();
        const start = cursor ?? 0;
        return listPage(all.slice(start, start + limit).map((i) => integrations.present(i)), start + limit < all.length ? start + limit : undefined);
      },
    },
    {
      method: 'GET',
      path: `${BASE}/integrations/:id`,
      auth: 'admin',
      handler: ({ params }) => ({ body: integrations.present(integrations.get(params.id)) }),
    },
    {
      method: 'PATCH',
      path: `${BASE}/integrations/:id`,
      auth: 'admin',
      handler: ({ params, body }) => ({ body: integrations.present(integrations.update(params.id, body)) }),
    },
    {
      method: 'DELETE',
      path: `${BASE}/integrations/:id`,
      auth: 'admin',
      handler: ({ params }) => {
        integrations.remove(params.id);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: `${BASE}/integrations/:id/revisions`,
      auth: 'admin',
      handler: ({ params }) => {
        const integration = requireIntegration(params.id);
        return listPage(integrations.revisions(params.id).map((r) => integrations.presentRevision(integration.catalogKey, r)));
      },
    },
    {
      method: 'POST',
      path: `${BASE}/integrations/:id/test-connection`,
      auth: 'admin',
      handler: async ({ params }) => {
        requireIntegration(params.id);
        return { body: await deps.testConnection(params.id) };
      },
    },
    {
      method: 'GET',
      path: `${BASE}/integrations/:id/delivery-logs`,
      auth: 'admin',
      handler: ({ params, query }) => {
        requireIntegration(params.id);
        const { cursor, limit } = paging(query);
        const page = logs.page(params.id, { status: query.get('status') ?? undefined, messageId: query.get('message_id') ?? undefined, cursor, limit });
        return listPage(page.rows, page.next);
      },
    },
    {
      method: 'GET',
      path: `${BASE}/integrations/:id/dead-letters`,
      auth: 'admin',
      handler: ({ params, query }) => {
        requireIntegration(params.id);
        const { cursor, limit } = paging(query);
        const page = queue.deadLetters(params.id, cursor, limit);
        return listPage(page.rows.map(({ id: _id, ...row }) => row), page.next);
      },
    },
    {
      method: 'POST',
      path: `${BASE}/integrations/:id/dead-letters/replay`,
      auth: 'admin',
      handler: ({ params, body }) => {
        requireIntegration(params.id);
        const ids = (body as { message_ids?: unknown } | undefined)?.message_ids;
        if (ids !== undefined && (!Array.isArray(ids) || ids.some((m) => typeof m !== 'string'))) {
          throw badRequest('message_ids: must be an array of messageIds (or left out to replay every dead letter)', [{ field: 'message_ids', message: 'must be an array of strings' }]);
        }
        const replayed = queue.replay(params.id, ids as string[] | undefined, deps.clock());
        deps.wake([params.id]);
        return { body: { replayed } };
      },
    },
  ];
}
