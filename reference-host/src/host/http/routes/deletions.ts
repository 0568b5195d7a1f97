import { z } from 'zod';
import { badRequest, notFound } from '../../errors.js';
import { presentDeletion } from '../../privacy/user-deletions.js';
import { errors, IdParams, listOf, PagingQuery, UserDeletionBody } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';

const docs = { ...adminDocs, tags: ['privacy'] };

const DeletionSchema = z
  .object({
    id: z.string(),
    integration_id: z.string(),
    status: z.enum(['requested', 'pending', 'complete', 'failed']).meta({ description: 'requested: not yet with the vendor; pending: the vendor is deleting; complete; failed (see message)' }),
    users: z.number().int(),
    user_ids: z.number().int().meta({ description: 'How many known users (by userId) the request names' }),
    anonymous_ids: z.number().int(),
    user_id_list: z.array(z.string()).optional(),
    anonymous_id_list: z.array(z.string()).optional(),
    events_dropped: z.number().int().meta({ description: 'Waiting events of these users dropped from the queue (logged as filtered)' }),
    vendor_requests: z.array(z.object({ request_id: z.string(), users: z.number().int(), status: z.string() })),
    message: z.string().nullable(),
    requested_by: z.string(),
    requested_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: 'UserDeletion' });

/** GDPR/CCPA user deletion: request, list, follow. */
export function deletionRoutes(app: Api, deps: Pick<RouteDeps, 'store' | 'box' | 'deletions'>): void {
  const { store, deletions } = deps;

  app.post(
    `${ADMIN}/integrations/:id/user-deletions`,
    {
      config: admin,
      schema: {
        ...docs,
        summary: "Deletes users at the vendor (by userId and by anonymousId) and drops their waiting events; 202 with the record, followed in the background",
        params: IdParams,
        body: UserDeletionBody,
        response: { 202: DeletionSchema, 409: errors[400], ...errors },
      },
    },
    async (req, reply) => {
      const row = await deletions.request(req.params.id, req.body, `admin API from ${req.ip}`);
      return reply.code(202).send(presentDeletion(row));
    },
  );

  app.get(
    `${ADMIN}/integrations/:id/user-deletions`,
    { config: admin, schema: { ...docs, summary: 'Deletion requests, newest first', params: IdParams, querystring: PagingQuery, response: { 200: listOf(DeletionSchema), ...errors } } },
    async (req) => {
      const { id } = req.params;
      await loadIntegration(deps, id);
      const { cursor, limit } = req.query;
      let after: { requestedAt: string; id: string } | undefined;
      if (cursor) {
        const [requestedAt, deletionId] = cursor.split('|');
        if (!requestedAt || !deletionId) throw badRequest('cursor: must be a cursor from a previous page', [{ field: 'cursor', message: 'is not a cursor from a previous page' }]);
        after = { requestedAt, id: deletionId };
      }
      const page = await store.deletions.page(id, limit, after);
      return { data: page.rows.map((r) => presentDeletion(r)), next_cursor: page.next ?? null, has_more: page.next !== undefined };
    },
  );

  app.get(
    `${ADMIN}/integrations/:id/user-deletions/:deletionId`,
    { config: admin, schema: { ...docs, summary: 'One deletion request, with the ids it names', params: IdParams.extend({ deletionId: z.string() }), response: { 200: DeletionSchema, ...errors } } },
    async (req) => {
      const { id, deletionId } = req.params;
      const row = await store.deletions.get(id, deletionId);
      if (!row) throw notFound(`User deletion ${deletionId} of integration ${id}`);
      return presentDeletion(row, true);
    },
  );
}
