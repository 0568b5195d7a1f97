import { z } from 'zod';
import { toIntegration, toStatus } from '../../integrations/model.js';
import { presentIntegration } from '../../integrations/presenter.js';
import { errors, IdParams, InstallBody, IntegrationSchema, listOf, PagingQuery, UpdateBody } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';
import { listPage, numericCursor } from './paging.js';
import { presentWithStatus } from './present.js';

type Deps = Pick<RouteDeps, 'registry' | 'store' | 'box' | 'installer' | 'editor' | 'checkCredentials' | 'clock'>;

/** Installed integrations: install from the catalog, list, read, change (a new revision), remove. */
export function integrationRoutes(app: Api, deps: Deps): void {
  const { registry, store } = deps;

  app.post(
    `${ADMIN}/integration-catalog/:key/install`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: "Install from the catalog (the guide's install call)", params: z.object({ key: z.string() }), body: InstallBody, response: { 201: IntegrationSchema, ...errors } } },
    async (req, reply) => {
      const integration = await deps.installer.install(req.params.key, req.body);
      const check = await deps.checkCredentials(integration);
      return reply.code(201).send({ ...(await presentWithStatus(deps, integration)), credentials_check: check });
    },
  );

  app.get(
    `${ADMIN}/integrations`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Installed integrations', querystring: PagingQuery, response: { 200: listOf(IntegrationSchema), ...errors } } },
    async (req) => {
      const { cursor, limit } = req.query;
      const start = numericCursor(cursor) ?? 0;
      const rows = await store.integrations.list();
      const statuses = new Map((await store.status.list()).map((s) => [s.integration_id, toStatus(s)]));
      const page = rows.slice(start, start + limit).map((row) => {
        const integration = toIntegration(row, deps.box);
        return presentIntegration(integration, registry.get(integration.catalogKey), statuses.get(integration.id) ?? toStatus(undefined), deps.clock());
      });
      return listPage(page, start + limit < rows.length ? start + limit : undefined);
    },
  );

  app.get(`${ADMIN}/integrations/:id`, { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'One integration', params: IdParams, response: { 200: IntegrationSchema, ...errors } } }, async (req) =>
    presentWithStatus(deps, await loadIntegration(deps, req.params.id)),
  );

  app.patch(
    `${ADMIN}/integrations/:id`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Rename, enable or disable, change config or blueprint (a new revision)', params: IdParams, body: UpdateBody, response: { 200: IntegrationSchema, ...errors } } },
    async (req) => {
      const integration = await deps.editor.update(req.params.id, req.body);
      // Only a config change can fix or break the credentials.
      const check = req.body && typeof req.body === 'object' && 'config' in req.body ? await deps.checkCredentials(integration) : undefined;
      return { ...(await presentWithStatus(deps, integration)), ...(check ? { credentials_check: check } : {}) };
    },
  );

  app.delete(
    `${ADMIN}/integrations/:id`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Remove an integration with its queue and dead letters (delivery logs stay until retention)', params: IdParams, response: { 204: z.undefined(), ...errors } } },
    async (req, reply) => {
      await deps.editor.remove(req.params.id);
      return reply.code(204).send();
    },
  );
}
