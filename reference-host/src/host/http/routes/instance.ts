import { ErrorSchema, HealthSchema, HostSchema } from '../schemas.js';
import { ADMIN, admin, adminDocs } from './admin.js';
import type { Api, RouteDeps } from './deps.js';

/** This instance: `/health` for load balancers, `/metrics` for Prometheus, `/v1/admin/host` for its settings. */
export function instanceRoutes(app: Api, deps: Pick<RouteDeps, 'store' | 'metrics' | 'clock' | 'instance' | 'settings'>): void {
  app.get(
    '/health',
    { config: { auth: 'public' }, schema: { tags: ['host'], summary: 'Is this instance up, on which engine, and does its database answer', response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_req, reply) => {
      const database = (await deps.store.ping()) ? 'ok' : 'unreachable';
      const body = {
        status: database === 'ok' ? ('ok' as const) : ('unavailable' as const),
        version: deps.instance.version,
        uptime_s: Math.round((deps.clock() - deps.instance.startedAt) / 1000),
        engine: deps.instance.engine,
        instance_id: deps.instance.id,
        database: database as 'ok' | 'unreachable',
      };
      return reply.code(database === 'ok' ? 200 : 503).send(body);
    },
  );

  app.get(
    '/metrics',
    { config: admin, schema: { ...adminDocs, tags: ['host'], summary: "Prometheus metrics: this instance's counters and process metrics, the shared queue depth" } },
    async (_req, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()),
  );

  app.get(
    `${ADMIN}/host`,
    { config: admin, schema: { ...adminDocs, tags: ['host'], summary: 'This instance and the settings it runs with (retention, retries, leases, rate limits)', response: { 200: HostSchema, 401: ErrorSchema } } },
    async () => ({
      version: deps.instance.version,
      instance_id: deps.instance.id,
      engine: deps.instance.engine,
      delivery_log_retention_days: deps.settings.logRetentionDays,
      retry_schedule_ms: [...deps.settings.retryScheduleMs],
      retry_window_ms: deps.settings.retryWindowMs,
      lease_ms: deps.settings.leaseMs,
      rate_limits: deps.settings.rateLimits,
      rate_limit_scale: deps.settings.rateLimitScale,
      delivery_thread: deps.settings.deliveryThread,
    }),
  );
}
