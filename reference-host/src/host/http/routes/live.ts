import { z } from 'zod';
import { DELIVERY_STATUSES } from '@datafly/heap-integration/contract';
import { DeliveryLogSchema, errors, IdParams } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadWithPlugin } from './load.js';

/** The delivery logs of one integration as they are written, on any instance (Server-Sent Events). */
export function liveRoutes(app: Api, deps: Pick<RouteDeps, 'registry' | 'store' | 'box' | 'live'>): void {
  // Live streams never end on their own: closing the host ends them, so it does not wait on their readers.
  app.addHook('preClose', async () => deps.live.close());

  app.get(
    `${ADMIN}/integrations/:id/delivery-logs/stream`,
    {
      config: admin,
      schema: {
        ...adminDocs,
        tags: ['delivery'],
        summary: 'Server-Sent Events: each new delivery log as it is written, on any instance. Resumes after Last-Event-ID. A reader that falls behind gets `event: dropped` and may resume.',
        params: IdParams,
        querystring: z.object({
          status: z.enum(DELIVERY_STATUSES, { message: `must be one of ${DELIVERY_STATUSES.join(', ')}` }).optional(),
          event_name: z.string().optional(),
          user: z.string().optional(),
          backlog: z.coerce.number({ message: 'must be a whole number from 0 to 200' }).int('must be a whole number from 0 to 200').min(0, 'must be a whole number from 0 to 200').max(200, 'must be a whole number from 0 to 200').default(50),
        }),
        response: { 200: DeliveryLogSchema.describe('text/event-stream of `event: delivery` with one log each'), ...errors },
      },
    },
    async (req, reply) => {
      const { integration } = await loadWithPlugin(deps, req.params.id);
      const q = req.query;
      const lastEventId = Number(req.headers['last-event-id']);
      reply.hijack();
      await deps.live.open(reply.raw, {
        integrationId: integration.id,
        filter: { status: q.status, eventName: q.event_name, user: q.user },
        after: Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : undefined,
        backlog: q.backlog,
      });
    },
  );
}
