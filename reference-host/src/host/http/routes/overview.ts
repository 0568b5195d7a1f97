import { z } from 'zod';
import type { IntegrationPlugin } from '@datafly/heap-integration/contract';
import { bucketKey, rateLimitKeyOf } from '../../../common/pacing/rate-limits.js';
import { toStatus, type Integration } from '../../integrations/model.js';
import { deliveryState } from '../../integrations/presenter.js';
import { COUNTED_OUTCOMES } from '../../store/delivery-logs.js';
import { DeliveryStateSchema, errors, IdParams } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';
import { loadWithPlugin } from './load.js';

type Deps = Pick<RouteDeps, 'registry' | 'store' | 'box' | 'clock' | 'adapterFor' | 'settings'>;

const MINUTE = 60_000;
const HOUR = 3_600_000;

const CountsSchema = z.object({ at: z.string(), ...Object.fromEntries(COUNTED_OUTCOMES.map((s) => [s, z.number().int()])) });
const OverviewSchema = z
  .object({
    generated_at: z.string(),
    delivery: DeliveryStateSchema,
    minutes: z.array(CountsSchema).meta({ description: 'The last 60 minutes, oldest first. Each attempt is counted once, when it ended, by how it ended: retryable (tried again later), or the final state (delivered, filtered, failed: refused for good, dead: out of attempts); an event moved to the dead letters for waiting too long counts as dead then. Without retries the counts add up to the events' }),
    hours: z.array(CountsSchema).meta({ description: 'The last 24 hours, oldest first' }),
    queue: z.object({ waiting: z.number().int(), dead: z.number().int(), oldest_waiting_at: z.string().nullable(), oldest_waiting_age_s: z.number().nullable() }),
    rate_limits: z.array(
      z.object({ name: z.string(), description: z.string().optional(), scope: z.string(), unit: z.string(), limit: z.number(), window_ms: z.number(), available: z.number().nullable(), used_fraction: z.number().nullable() }),
    ),
  })
  .meta({ id: 'DeliveryOverview' });

/** How delivery of one integration went lately and stands now, from the store every instance shares. */
export function overviewRoutes(app: Api, deps: Deps): void {
  const { store } = deps;

  app.get(
    `${ADMIN}/integrations/:id/overview`,
    { config: admin, schema: { ...adminDocs, tags: ['delivery'], summary: 'Outcomes per minute and hour, queue depth, oldest waiting event, rate-limit state: all from the shared store', params: IdParams, response: { 200: OverviewSchema, ...errors } } },
    async (req) => {
      const { integration, plugin } = await loadWithPlugin(deps, req.params.id);
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
}

/** The app-wide allowances: how many tokens each holds now, in the buckets every instance shares. */
async function rateLimitState(plugin: IntegrationPlugin, integration: Integration, deps: Deps, now: number) {
  const limits = plugin.manifest.rate_limits.filter((l) => l.scope === 'app');
  if (limits.length === 0) return [];
  const adapter = deps.adapterFor(integration);
  try {
    const keyed = limits.map((limit) => ({ limit, key: rateLimitKeyOf(adapter, limit) }));
    const held = await deps.store.buckets.peek(
      keyed.flatMap(({ limit, key }) => (key === undefined ? [] : [bucketKey(integration.catalogKey, limit, key)])),
      now,
      // A take from a full bucket freezes it at most a claim's lease.
      deps.settings.leaseMs,
    );
    return keyed.map(({ limit, key }) => {
      const available = key === undefined ? null : Math.floor(held.get(bucketKey(integration.catalogKey, limit, key)) ?? limit.limit);
      return {
        name: limit.name,
        description: limit.description,
        scope: limit.scope,
        unit: limit.unit,
        limit: limit.limit,
        window_ms: limit.window_ms * deps.settings.rateLimitScale,
        available,
        used_fraction: available === null ? null : Math.round((1 - available / limit.limit) * 1000) / 1000,
      };
    });
  } finally {
    await adapter.close();
  }
}
