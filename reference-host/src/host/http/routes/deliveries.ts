import { z } from 'zod';
import { notFound } from '../../errors.js';
import { DeliveryLogQuery, DeliveryLogSchema, errors, EventTraceSchema, IdParams, listOf } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';
import { listPage, numericCursor } from './paging.js';

/** What delivery did: the delivery logs (per event and attempt) and one event's whole path. */
export function deliveryRoutes(app: Api, deps: Pick<RouteDeps, 'store' | 'box'>): void {
  const { store } = deps;

  app.get(
    `${ADMIN}/integrations/:id/delivery-logs`,
    { config: admin, schema: { ...adminDocs, tags: ['delivery'], summary: 'Per event and attempt, newest first', params: IdParams, querystring: DeliveryLogQuery, response: { 200: listOf(DeliveryLogSchema), ...errors } } },
    async (req) => {
      const integration = await loadIntegration(deps, req.params.id);
      const q = req.query;
      const page = await store.logs.page(integration.id, { status: q.status, messageId: q.message_id, eventName: q.event_name, user: q.user, cursor: numericCursor(q.cursor), limit: q.limit });
      return listPage(page.rows, page.next);
    },
  );

  app.get(
    `${ADMIN}/integrations/:id/events/:messageId`,
    { config: admin, schema: { ...adminDocs, tags: ['delivery'], summary: "One event's path: as received, the vendor request, every answer", params: IdParams.extend({ messageId: z.string() }), response: { 200: EventTraceSchema, ...errors } } },
    async (req) => {
      const { id, messageId } = req.params;
      await loadIntegration(deps, id);
      const attempts = await store.logs.ofMessage(id, messageId);
      if (attempts.length === 0) throw notFound(`Event ${messageId} in the delivery logs of integration ${id}`);
      const withEvent = attempts.find((a) => a.event !== null);
      const withCalls = [...attempts].reverse().find((a) => a.calls.length > 0);
      return { message_id: messageId, event: withEvent?.event ?? null, calls: withCalls?.calls ?? [], attempts: attempts.map(({ event: _e, calls: _c, ...row }) => row) };
    },
  );
}
