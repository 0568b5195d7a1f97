import { z } from 'zod';
import { presentRevision } from '../../integrations/presenter.js';
import { errors, IdParams, IntegrationSchema, listOf, PagingQuery, RevisionSchema } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';
import { listPage, numericCursor } from './paging.js';
import { presentWithStatus } from './present.js';

/** An integration's revisions: every saved change, and a restore of an earlier one (itself a new revision). */
export function revisionRoutes(app: Api, deps: Pick<RouteDeps, 'registry' | 'store' | 'box' | 'editor' | 'checkCredentials' | 'clock'>): void {
  app.get(
    `${ADMIN}/integrations/:id/revisions`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Every revision, newest first', params: IdParams, querystring: PagingQuery, response: { 200: listOf(RevisionSchema), ...errors } } },
    async (req) => {
      const integration = await loadIntegration(deps, req.params.id);
      const { cursor, limit } = req.query;
      const plugin = deps.registry.get(integration.catalogKey);
      const page = await deps.store.integrations.revisions(integration.id, { before: numericCursor(cursor), limit });
      return listPage(page.rows.map((r) => presentRevision(plugin, r)), page.next);
    },
  );

  app.post(
    `${ADMIN}/integrations/:id/revisions/:revision/restore`,
    {
      config: admin,
      schema: { ...adminDocs, tags: ['integrations'], summary: 'A new revision with the config and blueprint of an earlier one', params: IdParams.extend({ revision: z.coerce.number().int().positive() }), response: { 200: IntegrationSchema, ...errors } },
    },
    async (req) => {
      const { id, revision } = req.params;
      const integration = await deps.editor.restore(id, revision);
      return { ...(await presentWithStatus(deps, integration)), credentials_check: await deps.checkCredentials(integration) };
    },
  );
}
