import { z } from 'zod';
import type { DataflyEvent } from '@datafly/heap-integration/contract';
import { previewWorkIssue, VendorCallSchema } from '@datafly/heap-integration/contract';
import { checkIncoming } from '../../../common/incoming-event.js';
import { badRequest } from '../../errors.js';
import { validateBlueprint } from '../../integrations/config.js';
import { errors, IdParams } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadWithPlugin } from './load.js';

const PreviewRequestSchema = z
  .strictObject({
    events: z.array(z.unknown()).min(1, 'must hold at least one event').max(100, 'must hold at most 100 events'),
    blueprint: z.unknown().optional().meta({ description: 'Preview under this blueprint instead of the saved one (checked, never saved)' }),
  })
  .meta({ id: 'PreviewRequest' });
const PreviewSchema = z
  .object({
    requests: z.array(VendorCallSchema).meta({ description: 'Each call as it would go out: method (the verb), url (where), body (exactly as sent)' }),
    results: z.array(
      z.object({ index: z.number().int(), messageId: z.string(), status: z.enum(['send', 'filtered', 'failed']), code: z.string().optional(), message: z.string().optional(), warnings: z.array(z.string()), requests: z.array(z.number().int()) }),
    ),
    rejected: z.array(z.object({ index: z.number().int(), field: z.string(), reason: z.string() })),
  })
  .meta({ id: 'Preview', description: 'What the vendor would receive, without sending anything' });

/** The blueprint tester's routes: the events an integration received lately, and what events would become, sent nowhere. */
export function previewRoutes(app: Api, deps: Pick<RouteDeps, 'registry' | 'store' | 'box' | 'clock' | 'adapterFor'>): void {
  const { store } = deps;

  app.get(
    `${ADMIN}/integrations/:id/sample-events`,
    {
      config: admin,
      schema: { ...adminDocs, tags: ['delivery'], summary: 'The last 20 distinct events this integration received (for the blueprint tester)', params: IdParams, response: { 200: z.object({ data: z.array(z.record(z.string(), z.unknown())) }), ...errors } },
    },
    async (req) => {
      const { integration } = await loadWithPlugin(deps, req.params.id);
      return { data: await store.logs.recentEvents(integration.id, 20) };
    },
  );

  app.post(
    `${ADMIN}/integrations/:id/preview`,
    {
      config: admin,
      schema: {
        ...adminDocs,
        tags: ['delivery'],
        summary: 'The exact vendor requests these events would become (under the saved blueprint, or one given), with every warning and filter reason; nothing is sent',
        params: IdParams,
        body: PreviewRequestSchema,
        response: { 200: PreviewSchema, ...errors },
      },
    },
    async (req) => {
      const { integration, plugin } = await loadWithPlugin(deps, req.params.id);
      const body = req.body;
      const blueprint = body.blueprint === undefined ? integration.blueprint : validateBlueprint(plugin, body.blueprint);
      const now = new Date(deps.clock()).toISOString();
      const rejected: { index: number; field: string; reason: string }[] = [];
      const events: { index: number; event: DataflyEvent; unread: string[] }[] = [];
      body.events.forEach((input, index) => {
        // Checked as ingestion checks it (depth, schema, misspelled fields), ids and time filled in.
        const checked = checkIncoming(input, { messageId: () => `preview-${index + 1}`, timestamp: () => now, receivedAt: () => now });
        if (!checked.ok) {
          for (const issue of checked.issues) rejected.push({ index, field: issue.field === '(root)' ? `events.${index}` : `events.${index}.${issue.field}`, reason: issue.message });
          return;
        }
        events.push({ index, event: checked.event, unread: checked.unread.map((u) => `${u.field} ${u.message}`) });
      });
      const tooMuch = previewWorkIssue(blueprint, events.map((e) => e.event));
      if (tooMuch) throw badRequest(`The preview is too large: ${tooMuch.field} ${tooMuch.message}`, [tooMuch]);
      const adapter = deps.adapterFor(integration, blueprint);
      try {
        const preview = adapter.preview(events.map((e) => e.event));
        return {
          requests: preview.requests,
          results: preview.results.map((r, i) => ({ index: events[i].index, ...r, warnings: [...events[i].unread, ...r.warnings] })),
          rejected,
        };
      } finally {
        await adapter.close();
      }
    },
  );
}
