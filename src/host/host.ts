import type http from 'node:http';
import { join } from 'node:path';
import type { Container } from 'inversify';
import { IngestionService } from './ingest.js';
import { IntegrationService } from './integrations.js';
import { JsonLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { PluginRegistry } from './registry.js';
import { RetryPolicy } from './retry-policy.js';
import { DeliveryScheduler } from './scheduler.js';
import { loadSecretKey, readOrCreate, SecretBox } from './secrets.js';
import { openDatabase, type Db } from './store/database.js';
import { DeliveryLogStore } from './store/delivery-logs.js';
import { IntegrationStore } from './store/integrations.js';
import { DeliveryQueue } from './store/queue.js';
import { adminRoutes } from './http/admin-routes.js';
import { ingestRoutes } from './http/ingest-routes.js';
import { pageRoutes } from './http/page-routes.js';
import { Router } from './http/router.js';
import { createServer, listen } from './http/server.js';
import { randomBytes } from 'node:crypto';

export interface HostOptions {
  /** Holds every plugin, bound to INTEGRATION_PLUGIN (the host imports no plugin itself). */
  container: Container;
  dataDir: string;
  port?: number;
  host?: string;
  adminToken?: string;
  pipelineKey?: string;
  /** 64 hex characters; generated into the data directory when absent. */
  secretKey?: string;
  retry?: RetryPolicy;
  batchWaitMs?: number;
  rateLimitScale?: number;
  rateLimits?: boolean;
  maxBodyBytes?: number;
  maxBatchEvents?: number;
  /** Delivery logs older than this many days are deleted (at start, then hourly). Default 30. */
  logRetentionDays?: number;
  logger?: JsonLogger;
  version?: string;
}

export interface Host {
  url: string;
  adminToken: string;
  pipelineKey: string;
  dataDir: string;
  db: Db;
  integrations: IntegrationService;
  scheduler: DeliveryScheduler;
  metrics: Metrics;
  router: Router;
  stop(): Promise<void>;
}

const token = () => randomBytes(24).toString('base64url');

/** Opens the store, collects the plugins, starts delivery and the HTTP server. */
export async function startHost(options: HostOptions): Promise<Host> {
  const clock = () => Date.now();
  const logger = options.logger ?? new JsonLogger();
  const registry = PluginRegistry.fromContainer(options.container);
  const db = openDatabase(options.dataDir);
  const adminToken = options.adminToken ?? readOrCreate(join(options.dataDir, 'admin.token'), token);
  const pipelineKey = options.pipelineKey ?? readOrCreate(join(options.dataDir, 'pipeline.key'), token);
  const secrets = new SecretBox(loadSecretKey(options.dataDir, options.secretKey));

  const integrations = new IntegrationService(registry, new IntegrationStore(db), secrets);
  const queue = new DeliveryQueue(db);
  const logs = new DeliveryLogStore(db);
  const metrics = new Metrics();
  const refreshSecrets = () => logger.setSecrets([adminToken, pipelineKey, ...integrations.secretValues()]);
  refreshSecrets();
  integrations.onChange(refreshSecrets);

  const scheduler = new DeliveryScheduler(
    { integrations, registry, queue, logs, metrics, logger, transaction: (writes) => db.transaction(writes)() },
    {
      retry: options.retry ?? new RetryPolicy(),
      batchWaitMs: options.batchWaitMs,
      rateLimitScale: options.rateLimitScale ?? 1,
      rateLimits: options.rateLimits ?? true,
      idlePollMs: 1000,
      clock,
    },
  );
  const ingestion = new IngestionService(integrations, queue, metrics, clock);
  ingestion.onQueued((ids) => scheduler.notify(ids));

  const testConnection = async (id: string) => {
    const integration = integrations.get(id);
    const plugin = registry.get(integration.catalogKey)!;
    const adapter = plugin.createAdapter({ integrationId: id, config: integration.config, blueprint: integration.blueprint }, { logger: logger.child({ integrationId: id }), clock });
    try {
      return await adapter.testConnection();
    } finally {
      await adapter.close();
    }
  };

  const router = new Router().add(
    ...adminRoutes({ registry, integrations, queue, logs, metrics, testConnection, wake: (ids) => scheduler.notify(ids), clock, version: options.version ?? '0.1.0', startedAt: clock() }),
    ...ingestRoutes(ingestion, options.maxBatchEvents ?? 1000),
    ...pageRoutes(),
  );
  const server: http.Server = createServer({ router, tokens: { admin: adminToken, pipeline: pipelineKey }, maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024, logger });
  const url = await listen(server, options.port ?? 8084, options.host ?? '127.0.0.1');
  scheduler.start();
  const retentionMs = (options.logRetentionDays ?? 30) * 86_400_000;
  const pruneLogs = () => {
    const removed = logs.prune(new Date(clock() - retentionMs).toISOString());
    if (removed > 0) logger.info('deleted delivery logs past their retention', { entries: removed, retention_days: options.logRetentionDays ?? 30 });
  };
  pruneLogs();
  const pruneTimer = setInterval(pruneLogs, 3_600_000).unref();
  logger.info('host started', { url, integrations: integrations.list().length, plugins: registry.list().map((p) => p.manifest.key) });

  return {
    url,
    adminToken,
    pipelineKey,
    dataDir: options.dataDir,
    db,
    integrations,
    scheduler,
    metrics,
    router,
    async stop() {
      clearInterval(pruneTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await scheduler.stop();
      db.close();
      logger.info('host stopped');
    },
  };
}
