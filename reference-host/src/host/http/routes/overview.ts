import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DataflyEvent, DeliveryAdapter, IntegrationPlugin } from '@datafly/heap-integration/contract';
import { DELIVERY_STATUSES } from '@datafly/heap-integration/contract';
import { bucketKey } from '../../../shared/pacing/rate-limits.js';
import { ApiError, notFound } from '../../errors.js';
import { checkIncoming } from '../../../shared/incoming-event.js';
import { validateBlueprint } from '../../integrations/config.js';
import { toIntegration, toStatus, type Integration } from '../../integrations/model.js';
import { deliveryState } from '../../integrations/presenter.js';
import type { PluginRegistry } from '../../registry.js';
import type { SecretBox } from '../../secrets.js';
import type { LiveStreams } from '../../live/live-streams.js';
import { COUNTED_OUTCOMES } from '../../store/delivery-logs.js';
import type { Store } from '../../store/store.js';
import { ADMIN } from './integrations.js';
import { DeliveryLogSchema, DeliveryStateSchema, errors, IdParams } from '../schemas.js';

export interface OperatorDeps {
  registry: PluginRegistry;
  store: Store;
  box: SecretBox;
  clock: () => number;
  /** The windows of rate limits are multiplied by this (tests shrink them). */
  rateLimitScale: number;
  /** How long a take from a full bucket may freeze it (the claim lease). */
  holdMaxMs: number;
  /** An adapter for this integration (with another blueprint, for a preview); the caller closes it. */
  adapterFor: (integration: Integration, blueprint?: Integration['blueprint']) => DeliveryAdapter;
  /** The live delivery streams of this instance. */
  live: LiveStreams;
}

const admin = { auth: 'admin' as const };
const docs = { security: [{ adminToken: [] }] };
const MINUTE = 60_000;
const HOUR = 3_600_000;

const CountsSchema = z.object({ at: z.string(), ...Object.fromEntries(COUNTED_OUTCOMES.map((s) => [s, z.number().int()])) });
const OverviewSchema = z
  .object({
    generated_at: z.string(),
    delivery: DeliveryStateSchema,
    minutes: z.array(CountsSchema).meta({ description: 'The last 60 minutes, oldest first; each outcome counted when it happened' }),
    hours: z.array(CountsSchema).meta({ description: 'The last 24 hours, oldest first' }),
    queue: z.object({ waiting: z.number().int(), dead: z.number().int(), oldest_waiting_at: z.string().nullable(), oldest_waiting_age_s: z.number().nullable() }),
    rate_limits: z.array(
      z.object({ name: z.string(), description: z.string().optional(), scope: z.string(), unit: z.string(), limit: z.number(), window_ms: z.number(), available: z.number().nullable(), used_fraction: z.number().nullable() }),
    ),
  })
  .meta({ id: 'DeliveryOverview' });

const PreviewRequestSchema = z
  .strictObject({
    events: z.array(z.unknown()).min(1, 'must hold at least one event').max(100, 'must hold at most 100 events'),
    blueprint: z.unknown().optional().meta({ description: 'Preview under this blueprint instead of the saved one (checked, never saved)' }),
  })
  .meta({ id: 'PreviewRequest' });
const PreviewSchema = z
  .object({
    requests: z.array(z.object({ method: z.string(), url: z.string(), body: z.string().meta({ description: 'Exactly as it would go on the wire' }) })),
    results: z.array(
      z.object({ index: z.number().int(), messageId: z.string(), status: z.enum(['send', 'filtered', 'failed']), code: z.string().optional(), message: z.string().optional(), warnings: z.array(z.string()), requests: z.array(z.number().int()) }),
    ),
    rejected: z.array(z.object({ index: z.number().int(), field: z.string(), reason: z.string() })),
  })
  .meta({ id: 'Preview', description: 'What the vendor would receive, without sending anything' });

/** The operator's views of one integration: overview, live stream, sample events, preview. */
export function operatorRoutes(app: FastifyInstance, deps: OperatorDeps): void {
  const { store } = deps;
  // Live streams never end on their own: closing the host ends them, so it does not wait on their readers.
  app.addHook('preClose', async () => deps.live.close());
  const load = async (id: string) => {
    const row = await store.integrations.get(id);
    if (!row) throw notFound(`Integration ${id}`);
    const integration = toIntegration(row, deps.box);
    const plugin = deps.registry.get(integration.catalogKey);
    if (!plugin) throw new ApiError(409, 'plugin_missing', `No plugin for catalog key "${integration.catalogKey}" is loaded in this host`);
    return { integration, plugin };
  };

  app.get(
    `${ADMIN}/integrations/:id/overview`,
    { config: admin, schema: { ...docs, tags: ['delivery'], summary: 'Outcomes per minute and hour, queue depth, oldest waiting event, rate-limit state: all from the shared store', params: IdParams, response: { 200: OverviewSchema, ...errors } } },
    async (req) => {
      const { integration, plugin } = await load((req.params as { id: string }).id);
      const now = deps.clock();
      const thisMinute = Math.floor(now / MINUTE) * MINUTE;
      const thisHour = Math.floor(now / HOUR) * HOUR;
      const counts = await store.logs.counts(integration.id, thisHour - 23 * HOUR);
      const series = (start: number, step: number, n: number) =>
        Array.from({ length: n }, (_, i) => {
          const from = start + i * step;
          const row: Record<string, number | string> = { at: new Date(from).toISOString() };
          for (const status of COUNTED_OUTCOMES) row[status] = 0;
          for (const c of counts) if (c.minute >= from && c.minute < from + step) row[c.status] = (row[c.status] as number) + c.count;
          return row as z.infer<typeof CountsSchema>;
        });
      const queue = await store.queue.counts(integration.id);
      const oldest = await store.queue.oldestWaiting(integration.id);
      return {
        generated_at: new Date(now).toISOString(),
        delivery: deliveryState(integration, toStatus(await store.status.get(integration.id)), now),
        minutes: series(thisMinute - 59 * MINUTE, MINUTE, 60),
        hours: series(thisHour - 23 * HOUR, HOUR, 24),
        queue: { ...queue, oldest_waiting_at: oldest === undefined ? null : new Date(oldest).toISOString(), oldest_waiting_age_s: oldest === undefined ? null : Math.max(0, Math.round((now - oldest) / 1000)) },
        rate_limits: await rateLimitState(plugin, integration, deps, now),
      };
    },
  );

  app.get(
    `${ADMIN}/integrations/:id/delivery-logs/stream`,
    {
      config: admin,
      schema: {
        ...docs,
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
      const { integration } = await load((req.params as { id: string }).id);
      const q = req.query as { status?: string; event_name?: string; user?: string; backlog: number };
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

  app.get(
    `${ADMIN}/integrations/:id/sample-events`,
    {
      config: admin,
      schema: { ...docs, tags: ['delivery'], summary: 'The last 20 distinct events this integration received (for the blueprint tester)', params: IdParams, response: { 200: z.object({ data: z.array(z.record(z.string(), z.unknown())) }), ...errors } },
    },
    async (req) => {
      const { integration } = await load((req.params as { id: string }).id);
      return { data: await store.logs.recentEvents(integration.id, 20) };
    },
  );

  app.post(
    `${ADMIN}/integrations/:id/preview`,
    {
      config: admin,
      schema: {
        ...docs,
        tags: ['delivery'],
        summary: 'The exact vendor requests these events would become (under the saved blueprint, or one given), with every warning and filter reason; nothing is sent',
        params: IdParams,
        body: PreviewRequestSchema,
        response: { 200: PreviewSchema, ...errors },
      },
    },
    async (req) => {
      const { integration, plugin } = await load((req.params as { id: string }).id);
      const body = req.body as z.infer<typeof PreviewRequestSchema>;
      const blueprint = body.blueprint === undefined ? integration.blueprint : validateBlueprint(plugin, body.blueprint);
      const now = new Date(deps.clock()).toISOString();
      const rejected: { index: number; field: string; reason: string }[] = [];
      const events: { index: number; event: DataflyEvent; unread: string[] }[] = [];
      body.events.forEach((input, index) => {
        // Checked as ingestion checks it (depth, schema, misspelled fields), ids and time filled in.
        const checked = checkIncoming(input, { messageId: () => `preview-${index + 1}`, timestamp: () => now });
        if (!checked.ok) {
          for (const issue of checked.issues) rejected.push({ index, field: issue.field === '(root)' ? `events.${index}` : `events.${index}.${issue.field}`, reason: issue.message });
          return;
        }
        events.push({ index, event: checked.event, unread: checked.unread.map((u) => `${u.field} ${u.message}`) });
      });
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

/** The app-wide allowances: how many tokens each holds now, in the buckets every instance shares. */
async function rateLimitState(plugin: IntegrationPlugin, integration: Integration, deps: OperatorDeps, now: number) {
  const limits = plugin.manifest.rate_limits.filter((l) => l.scope === 'app');
  if (limits.length === 0) return [];
  const adapter = deps.adapterFor(integration);
  try {
    const keyed = limits.map((limit) => ({ limit, key: adapter.rateLimitKey(limit) }));
    const held = await deps.store.buckets.peek(
      keyed.flatMap(({ limit, key }) => (key === undefined ? [] : [bucketKey(integration.catalogKey, limit, key)])),
      now,
      deps.holdMaxMs,
    );
    return keyed.map(({ limit, key }) => {
      const available = key === undefined ? null : Math.floor(held.get(bucketKey(integration.catalogKey, limit, key)) ?? limit.limit);
      return {
        name: limit.name,
        description: limit.description,
        scope: limit.scope,
        unit: limit.unit,
        limit: limit.limit,
        window_ms: limit.window_ms * deps.rateLimitScale,
        available,
        used_fraction: available === null ? null : Math.round((1 - available / limit.limit) * 1000) / 1000,
      };
    });
  } finally {
    await adapter.close();
  }
}

