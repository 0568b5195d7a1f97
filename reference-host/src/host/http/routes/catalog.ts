import { z } from 'zod';
import { configJsonSchema } from '@datafly/heap-integration/contract';
import { notFound } from '../../errors.js';
import { CatalogEntryDetailSchema, CatalogEntrySchema, errors, ErrorSchema, listOf } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { listPage } from './paging.js';

/** The Integration Library: what can be installed (installing is in integrations.ts). */
export function catalogRoutes(app: Api, { registry, store }: Pick<RouteDeps, 'registry' | 'store'>): void {
  app.get(
    `${ADMIN}/integration-catalog`,
    {
      config: admin,
      schema: { ...adminDocs, tags: ['catalog'], summary: 'The Integration Library', querystring: z.object({ category: z.string().optional() }), response: { 200: listOf(CatalogEntrySchema), 401: ErrorSchema } },
    },
    async (req) => {
      const { category } = req.query;
      const installed = new Map<string, number>();
      for (const i of (await store.integrations.list())) installed.set(i.catalog_key, (installed.get(i.catalog_key) ?? 0) + 1);
      return listPage(registry.list(category).map((p) => ({ ...p.manifest, installed: installed.get(p.manifest.key) ?? 0 })));
    },
  );

  app.get(
    `${ADMIN}/integration-catalog/:key`,
    { config: admin, schema: { ...adminDocs, tags: ['catalog'], summary: 'One catalog entry, with its config JSON Schema and default blueprints', params: z.object({ key: z.string() }), response: { 200: CatalogEntryDetailSchema, ...errors } } },
    async (req) => {
      const { key } = req.params;
      const plugin = registry.get(key);
      if (!plugin) throw notFound(`Catalog entry "${key}"`);
      return {
        ...plugin.manifest,
        config_schema: configJsonSchema(plugin.configSchema),
        default_blueprints: Object.fromEntries(plugin.manifest.variants.map((v) => [v.key, plugin.defaultBlueprint(v.key)])),
      };
    },
  );
}
