import { z } from 'zod';
import type { Blueprint, DataflyEvent, VendorCall } from '@datafly/heap-integration/contract';
import { errorText } from '../../../common/error-text.js';
import { notFound } from '../../errors.js';
import { withoutSecrets } from '../../logger.js';
import { openConfig } from '../../integrations/config.js';
import type { Integration } from '../../integrations/model.js';
import { DeliveryLogQuery, DeliveryLogSchema, errors, EventTraceSchema, IdParams, listOf } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadIntegration } from './load.js';
import { listPage, numericCursor } from './paging.js';

/** What delivery did: the delivery logs (per event and attempt) and one event's whole path. */
export function deliveryRoutes(app: Api, deps: Pick<RouteDeps, 'store' | 'box' | 'adapterFor'>): void {
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
      const integration = await loadIntegration(deps, id);
      const attempts = await store.logs.ofMessage(id, messageId);
      if (attempts.length === 0) throw notFound(`Event ${messageId} in the delivery logs of integration ${id}`);
      const event = attempts.find((a) => a.event !== null)?.event ?? null;
      const rows = attempts.map(({ event: _e, calls: _c, ...row }) => row);
      const last = attempts[attempts.length - 1];
      if (last.status === 'delivered' && last.revision !== null && event !== null) {
        const recomputed = await recomputedCalls(deps, integration, last.revision, event);
        return { message_id: messageId, event, calls: recomputed.calls, calls_source: 'recomputed' as const, calls_revision: last.revision, calls_note: recomputed.note, attempts: rows };
      }
      const withCalls = [...attempts].reverse().find((a) => a.calls.length > 0);
      return { message_id: messageId, event, calls: withCalls?.calls ?? [], calls_source: 'as_sent' as const, calls_revision: withCalls?.revision ?? null, attempts: rows };
    },
  );
}

/**
 * The calls a delivered event became, recomputed from its stored event under the revision it was
 * delivered with (its blueprint and config): delivered attempts keep no copy of them. When that cannot
 * be done, no calls and a note that says why.
 */
async function recomputedCalls(deps: Pick<RouteDeps, 'store' | 'box' | 'adapterFor'>, integration: Integration, revisionNumber: number, event: DataflyEvent): Promise<{ calls: VendorCall[]; note?: string }> {
  const revision = await deps.store.integrations.revision(integration.id, revisionNumber);
  if (!revision) return { calls: [], note: `revision ${revisionNumber}, which delivered this event, is no longer stored: its requests cannot be recomputed` };
  const blueprint = JSON.parse(revision.blueprint_json) as Blueprint;
  const config = openConfig(revision, deps.box);
  try {
    const adapter = deps.adapterFor({ ...integration, config, blueprint, revision: revisionNumber });
    try {
      return { calls: adapter.preview([event]).requests };
    } finally {
      await adapter.close();
    }
  } catch (error) {
    // A plugin's words about a config it refuses could hold a secret's value: never in an answer.
    const secrets = Object.keys(JSON.parse(revision.secrets_json) as Record<string, string>).flatMap((key) => (typeof config[key] === 'string' ? [config[key]] : []));
    return { calls: [], note: `the plugin could not recompute the requests under revision ${revisionNumber}: ${withoutSecrets(errorText(error), secrets)}` };
  }
}
