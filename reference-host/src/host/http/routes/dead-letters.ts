import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { DeadLetterSchema, errors, IdParams, listOf, PagingQuery, ReplayBody, ReplayRequestSchema } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';
import { listPage, numericCursor } from './paging.js';

/** Events that failed for good or ran out of attempts, and their way back to the queue. */
export function deadLetterRoutes(app: Api, deps: Pick<RouteDeps, 'store' | 'box' | 'wake' | 'clock'>): void {
  const { store } = deps;

  app.get(
    `${ADMIN}/integrations/:id/dead-letters`,
    { config: admin, schema: { ...adminDocs, tags: ['delivery'], summary: 'Events that failed for good or ran out of attempts', params: IdParams, querystring: PagingQuery, response: { 200: listOf(DeadLetterSchema), ...errors } } },
    async (req) => {
      const integration = await loadIntegration(deps, req.params.id);
      const { cursor, limit } = req.query;
      const page = await store.queue.deadLetters(integration.id, numericCursor(cursor), limit);
      return listPage(
        page.rows.map(({ id: _id, ...row }) => row),
        page.next,
      );
    },
  );

  app.post(
    `${ADMIN}/integrations/:id/dead-letters/replay`,
    {
      config: admin,
      schema: {
        ...adminDocs,
        tags: ['delivery'],
        summary: 'Back to the queue with a fresh attempt budget: {"message_ids": [...]}, or {"all": true} (or no body) for every dead letter',
        params: IdParams,
        body: ReplayBody,
        response: {
          200: z.object({
            replayed: z.number().int(),
            not_dead_letters: z.array(z.string()).optional().meta({ description: 'The messageIds asked for that are not dead letters of this integration (already replayed, delivered, or unknown)' }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const integration = await loadIntegration(deps, req.params.id);
      const which = replayTarget(req.body);
      const { replayed, missing } = await store.queue.replay(integration.id, which, deps.clock());
      deps.wake([integration.id]);
      return missing.length > 0 ? { replayed, not_dead_letters: missing } : { replayed };
    },
  );
}

/** Only an explicit `{"all": true}` (or no body at all) means every dead letter; anything else malformed is refused. */
function replayTarget(body: unknown): string[] | 'all' {
  if (body === undefined) return 'all';
  const parsed = ReplayRequestSchema.safeParse(body);
  if (parsed.success) return 'all' in parsed.data ? 'all' : parsed.data.message_ids;
  throw new ApiError(400, 'invalid_request', 'The replay request must be {"message_ids": ["…"]} (1 to 10000 messageIds) or {"all": true}; nothing was replayed', [
    { field: 'message_ids', message: 'must be a non-empty array of messageIds, or send {"all": true}' },
  ]);
}
