import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { configJsonSchema } from '@datafly/heap-integration/contract';
import { ApiError, badRequest, notFound } from '../../errors.js';
import type { ConnectionTestOutcome } from '../../integrations/connection-test.js';
import type { CredentialsCheckResult } from '../../integrations/credentials-check.js';
import type { IntegrationDirectory } from '../../integrations/directory.js';
import type { IntegrationEditor } from '../../integrations/editor.js';
import type { Installer } from '../../integrations/installer.js';
import { toIntegration, toStatus, type Integration } from '../../integrations/model.js';
import { presentIntegration, presentRevision } from '../../integrations/presenter.js';
import type { Metrics } from '../../metrics.js';
import type { PluginRegistry } from '../../registry.js';
import type { SecretBox } from '../../secrets.js';
import type { Store } from '../../store/store.js';
import {
  CatalogEntrySchema,
  ConnectionTestSchema,
  DeadLetterSchema,
  DeliveryLogQuery,
  DeliveryLogSchema,
  errors,
  ErrorSchema,
  EventTraceSchema,
  HealthSchema,
  HostSchema,
  IdParams,
  InstallRequestSchema,
  IntegrationSchema,
  listOf,
  PagingQuery,
  ReplayRequestSchema,
  RevisionSchema,
  UpdateRequestSchema,
} from '../schemas.js';

export interface AdminDeps {
  registry: PluginRegistry;
  store: Store;
  box: SecretBox;
  directory: IntegrationDirectory;
  installer: Installer;
  editor: IntegrationEditor;
  metrics: Metrics;
  /** Checks an integration's credentials with its vendor; a success resumes a paused integration. */
  testConnection: (integration: Integration) => Promise<ConnectionTestOutcome>;
  /** Asks the vendor about the credentials just stored; a refusal pauses delivery (see CredentialsCheck). */
  checkCredentials: (integration: Integration) => Promise<CredentialsCheckResult>;
  wake: (integrationIds: string[]) => void;
  clock: () => number;
  instance: { id: string; engine: 'sqlite' | 'postgres'; version: string; startedAt: number };
  /** What this host was started with that an operator (or the page) needs to know. */
  settings: { logRetentionDays: number; retryScheduleMs: readonly number[]; retryWindowMs: number; leaseMs: number; rateLimits: boolean; rateLimitScale: number };
}

export const ADMIN = '/v1/admin';
const admin = { auth: 'admin' as const };
const adminDocs = { security: [{ adminToken: [] }] };

/** The list envelope the host documents; `next` is the cursor of the following page, if any. */
function listPage<T>(data: T[], next?: number | string) {
  return { data, next_cursor: next === undefined ? null : String(next), has_more: next !== undefined };
}

function numericCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const n = Number(cursor);
  if (!Number.isInteger(n) || n < 0) throw badRequest('cursor: must be a cursor from a previous page', [{ field: 'cursor', message: 'is not a cursor from a previous page' }]);
  return n;
}

/** The Management API: catalog, install, integrations and their revisions, logs, dead letters, health, metrics. */
export function adminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { registry, store, directory } = deps;

  /** Read from the store, not the cache: a change made on another instance shows at once. */
  const load = async (id: string): Promise<Integration> => {
    const row = await store.integrations.get(id);
    if (!row) throw notFound(`Integration ${id}`);
    return toIntegration(row, deps.box);
  };
  const present = async (integration: Integration) =>
    presentIntegration(integration, registry.get(integration.catalogKey), toStatus(await store.status.get(integration.id)), deps.clock());

  app.get(
    '/health',
    { config: { auth: 'public' }, schema: { tags: ['host'], summary: 'Is this instance up, on which engine, and does its database answer', response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_req, reply) => {
      const database = (await store.ping()) ? 'ok' : 'unreachable';
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
    }),
  );

  app.get(
    `${ADMIN}/integration-catalog`,
    {
      config: admin,
      schema: { ...adminDocs, tags: ['catalog'], summary: 'The Integration Library', querystring: z.object({ category: z.string().optional() }), response: { 200: listOf(CatalogEntrySchema), 401: ErrorSchema } },
    },
    async (req) => {
      const { category } = req.query as { category?: string };
      const installed = new Map<string, number>();
      for (const i of (await store.integrations.list())) installed.set(i.catalog_key, (installed.get(i.catalog_key) ?? 0) + 1);
      return listPage(registry.list(category).map((p) => ({ ...p.manifest, installed: installed.get(p.manifest.key) ?? 0 })));
    },
  );

  app.get(
    `${ADMIN}/integration-catalog/:key`,
    { config: admin, schema: { ...adminDocs, tags: ['catalog'], summary: 'One catalog entry, with its config JSON Schema and default blueprints', params: z.object({ key: z.string() }), response: errors } },
    async (req) => {
      const { key } = req.params as { key: string };
      const plugin = registry.get(key);
      if (!plugin) throw notFound(`Catalog entry "${key}"`);
      return {
        ...plugin.manifest,
        config_schema: configJsonSchema(plugin.configSchema),
        default_blueprints: Object.fromEntries(plugin.manifest.variants.map((v) => [v.key, plugin.defaultBlueprint(v.key)])),
      };
    },
  );

  app.post(
    `${ADMIN}/integration-catalog/:key/install`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: "Install from the catalog (the guide's install call)", params: z.object({ key: z.string() }), body: InstallRequestSchema, response: { 201: IntegrationSchema, ...errors } } },
    async (req, reply) => {
      const integration = await deps.installer.install((req.params as { key: string }).key, req.body);
      const check = await deps.checkCredentials(integration);
      return reply.code(201).send({ ...(await present(integration)), credentials_check: check });
    },
  );

  app.get(
    `${ADMIN}/integrations`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Installed integrations', querystring: PagingQuery, response: { 200: listOf(IntegrationSchema), ...errors } } },
    async (req) => {
      const { cursor, limit } = req.query as z.infer<typeof PagingQuery>;
      const start = numericCursor(cursor) ?? 0;
      const rows = await store.integrations.list();
      const statuses = new Map((await store.status.list()).map((s) => [s.integration_id, toStatus(s)]));
      const page = rows.slice(start, start + limit).map((row) => {
        const integration = toIntegration(row, deps.box);
        return presentIntegration(integration, registry.get(integration.catalogKey), statuses.get(integration.id) ?? toStatus(undefined), deps.clock());
      });
      return listPage(page, start + limit < rows.length ? start + limit : undefined);
    },
  );

  app.get(`${ADMIN}/integrations/:id`, { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'One integration', params: IdParams, response: { 200: IntegrationSchema, ...errors } } }, async (req) =>
    present(await load((req.params as { id: string }).id)),
  );

  app.patch(
    `${ADMIN}/integrations/:id`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Rename, enable or disable, change config or blueprint (a new revision)', params: IdParams, body: UpdateRequestSchema, response: { 200: IntegrationSchema, ...errors } } },
    async (req) => {
      const integration = await deps.editor.update((req.params as { id: string }).id, req.body);
      // Only a config change can fix or break the credentials.
      const check = req.body && typeof req.body === 'object' && 'config' in req.body ? await deps.checkCredentials(integration) : undefined;
      return { ...(await present(integration)), ...(check ? { credentials_check: check } : {}) };
    },
  );

  app.delete(
    `${ADMIN}/integrations/:id`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Remove an integration with its queue and dead letters (delivery logs stay until retention)', params: IdParams, response: { 204: z.undefined(), ...errors } } },
    async (req, reply) => {
      await deps.editor.remove((req.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  app.get(
    `${ADMIN}/integrations/:id/revisions`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Every revision, newest first', params: IdParams, querystring: PagingQuery, response: { 200: listOf(RevisionSchema), ...errors } } },
    async (req) => {
      const integration = await load((req.params as { id: string }).id);
      const { cursor, limit } = req.query as z.infer<typeof PagingQuery>;
      const plugin = registry.get(integration.catalogKey);
      const page = await store.integrations.revisions(integration.id, { before: numericCursor(cursor), limit });
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
      const { id, revision } = req.params as { id: string; revision: number };
      const integration = await deps.editor.restore(id, revision);
      return { ...(await present(integration)), credentials_check: await deps.checkCredentials(integration) };
    },
  );

  app.post(
    `${ADMIN}/integrations/:id/test-connection`,
    { config: admin, schema: { ...adminDocs, tags: ['integrations'], summary: 'Checks the credentials with the vendor; a pass resumes a paused integration, a refusal of the credentials or endpoint pauses it', params: IdParams, response: { 200: ConnectionTestSchema, ...errors } } },
    async (req) => {
      const result = await deps.testConnection(await load((req.params as { id: string }).id));
      return { ok: result.ok, code: result.code, message: result.message, http_status: result.httpStatus, resumed: result.resumed, paused: result.paused };
    },
  );

  app.get(
    `${ADMIN}/integrations/:id/delivery-logs`,
    { config: admin, schema: { ...adminDocs, tags: ['delivery'], summary: 'Per event and attempt, newest first', params: IdParams, querystring: DeliveryLogQuery, response: { 200: listOf(DeliveryLogSchema), ...errors } } },
    async (req) => {
      const integration = await load((req.params as { id: string }).id);
      const q = req.query as z.infer<typeof DeliveryLogQuery>;
      const page = await store.logs.page(integration.id, { status: q.status, messageId: q.message_id, eventName: q.event_name, user: q.user, cursor: numericCursor(q.cursor), limit: q.limit });
      return listPage(page.rows, page.next);
    },
  );

  app.get(
    `${ADMIN}/integrations/:id/events/:messageId`,
    { config: admin, schema: { ...adminDocs, tags: ['delivery'], summary: "One event's path: as received, the vendor request, every answer", params: IdParams.extend({ messageId: z.string() }), response: { 200: EventTraceSchema, ...errors } } },
    async (req) => {
      const { id, messageId } = req.params as { id: string; messageId: string };
      await load(id);
      const attempts = await store.logs.ofMessage(id, messageId);
      if (attempts.length === 0) throw notFound(`Event ${messageId} in the delivery logs of integration ${id}`);
      const withEvent = attempts.find((a) => a.event !== null);
      const withCalls = [...attempts].reverse().find((a) => a.calls.length > 0);
      return { message_id: messageId, event: withEvent?.event ?? null, calls: withCalls?.calls ?? [], attempts: attempts.map(({ event: _e, calls: _c, ...row }) => row) };
    },
  );

  app.get(
    `${ADMIN}/integrations/:id/dead-letters`,
    { config: admin, schema: { ...adminDocs, tags: ['delivery'], summary: 'Events that failed for good or ran out of attempts', params: IdParams, querystring: PagingQuery, response: { 200: listOf(DeadLetterSchema), ...errors } } },
    async (req) => {
      const integration = await load((req.params as { id: string }).id);
      const { cursor, limit } = req.query as z.infer<typeof PagingQuery>;
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
        body: ReplayRequestSchema,
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
      const integration = await load((req.params as { id: string }).id);
      const which = replayTarget(req.body);
      const { replayed, missing } = await store.queue.replay(integration.id, which, deps.clock());
      deps.wake([integration.id]);
      return missing.length > 0 ? { replayed, not_dead_letters: missing } : { replayed };
    },
  );
}

/** Only an explicit `{"all": true}` (or no body at all) means every dead letter; anything else malformed is refused. */
export function replayTarget(body: unknown): string[] | 'all' {
  if (body === undefined) return 'all';
  const parsed = ReplayRequestSchema.safeParse(body);
  if (parsed.success) return 'all' in parsed.data ? 'all' : parsed.data.message_ids;
  throw new ApiError(400, 'invalid_request', 'The replay request must be {"message_ids": ["…"]} (1 to 10000 messageIds) or {"all": true}; nothing was replayed', [
    { field: 'message_ids', message: 'must be a non-empty array of messageIds, or send {"all": true}' },
  ]);
}
