import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Container } from 'inversify';
import { DeliveryScheduler } from './delivery/scheduler.js';
import { RetryPolicy } from '../shared/retry-policy.js';
import { StartupError } from './errors.js';
import { createApp } from './http/app.js';
import { registerRoutes } from './http/routes/index.js';
import { IngestionService } from './ingest.js';
import { secretKeys } from './integrations/config.js';
import { ConnectionTests } from './integrations/connection-test.js';
import { checkCredentials } from './integrations/credentials-check.js';
import { IntegrationDirectory } from './integrations/directory.js';
import { IntegrationEditor } from './integrations/editor.js';
import { Installer } from './integrations/installer.js';
import type { Integration } from './integrations/model.js';
import { LiveStreams, type LiveSettings } from './live/live-streams.js';
import { JsonLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { DeletedUsers } from './privacy/deleted-users.js';
import { UserDeletionService } from './privacy/user-deletions.js';
import { PluginRegistry } from './registry.js';
import { checkSecretKey } from './secret-key-check.js';
import { loadSecretKey, readOrCreate, SecretBox } from './secrets.js';
import type { StoreLocation } from './store/engine.js';
import { PACKAGE_VERSION } from '../version.js';
import { Store } from './store/store.js';

export interface HostOptions {
  /** Holds every plugin, bound to INTEGRATION_PLUGIN (the host imports no plugin itself). */
  container: Container;
  /** Where state lives: SQLite in a data directory (one process) or PostgreSQL (a cluster). */
  store: StoreLocation;
  /** Generated tokens and the secret key live here in SQLite mode. */
  dataDir: string;
  port?: number;
  host?: string;
  /** In PostgreSQL mode these three must be given (every instance must agree); in SQLite mode they are generated when absent. */
  adminToken?: string;
  pipelineKey?: string;
  /** 64 hex characters. */
  secretKey?: string;
  instanceId?: string;
  retry?: RetryPolicy;
  batchWaitMs?: number;
  rateLimitScale?: number;
  rateLimits?: boolean;
  /** Batches of one integration in flight at once on this instance. */
  deliveryConcurrency?: number;
  /** How long a claim holds before another instance may take it over. */
  leaseMs?: number;
  /** How often this instance looks for changes made by others. */
  configPollMs?: number;
  maxBodyBytes?: number;
  maxBatchEvents?: number;
  maxConcurrentBodies?: number;
  /** How long a request body may take to arrive once it is read (default 30 s); then 408. */
  bodyTimeoutMs?: number;
  /** Delivery logs older than this many days are deleted (at start, then hourly). Default 30. */
  logRetentionDays?: number;
  /** How long an install or config change waits for the vendor's answer to its credentials check (default 3 s). */
  credentialsCheckWaitMs?: number;
  /** The live delivery streams: how often their readers look, how much one stream may hold. */
  live?: Partial<LiveSettings>;
  logger?: JsonLogger;
  version?: string;
  clock?: () => number;
}

export interface Host {
  url: string;
  adminToken: string;
  pipelineKey: string;
  /** Which of the two tokens this start generated (and stored in the data directory). */
  generated: { adminToken: boolean; pipelineKey: boolean };
  dataDir: string;
  store: Store;
  instanceId: string;
  directory: IntegrationDirectory;
  scheduler: DeliveryScheduler;
  metrics: Metrics;
  live: LiveStreams;
  app: FastifyInstance;
  stop(): Promise<void>;
}

export const HOST_VERSION = PACKAGE_VERSION;
const token = () => randomBytes(24).toString('base64url');

/** Opens the store, collects the plugins, starts delivery and the HTTP server. */
export async function startHost(options: HostOptions): Promise<Host> {
  const clock = options.clock ?? (() => Date.now());
  const startedAt = clock();
  const logger = options.logger ?? new JsonLogger();
  const version = options.version ?? HOST_VERSION;
  const registry = PluginRegistry.fromContainer(options.container);
  const engine = options.store.engine;
  const instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

  const shared = (name: string, value: string | undefined, file: string, make: () => string) => {
    if (value) return { value, generated: false };
    if (engine === 'postgres') throw new StartupError(`${name} must be set in PostgreSQL mode: every instance must use the same value`);
    const path = join(options.dataDir, file);
    const existing = readOrCreate(path, make);
    return existing;
  };
  const store = await Store.open(options.store, logger);
  try {
    const admin = shared('DATAFLY_ADMIN_TOKEN', options.adminToken, 'admin.token', token);
    const pipeline = shared('DATAFLY_PIPELINE_KEY', options.pipelineKey, 'pipeline.key', token);
    if (engine === 'postgres' && !options.secretKey) throw new StartupError('DATAFLY_SECRET_KEY must be set in PostgreSQL mode: every instance must open the same sealed secrets');
    const box = new SecretBox(loadSecretKey(options.dataDir, options.secretKey));
    await checkSecretKey(store.integrations, box, options.secretKey ? 'DATAFLY_SECRET_KEY' : `The secret key in ${join(options.dataDir, 'secret.key')}`);
    const directory = new IntegrationDirectory(store, box, logger, options.configPollMs ?? 1000);
    const deletedUsers = new DeletedUsers(store, clock);
    const metrics = new Metrics(
      { id: instanceId, engine, version },
      {
        queueDepth: () => store.queue.depth(),
        integrations: () => directory.list().map((i) => i.id),
        paused: () => directory.list().flatMap((i) => (directory.status(i.id).paused ? [{ integration_id: i.id, code: directory.status(i.id).paused!.code }] : [])),
      },
    );

    const secretValues = () =>
      directory.list().flatMap((i) => {
        const plugin = registry.get(i.catalogKey);
        const keys = plugin ? secretKeys(plugin) : new Set<string>();
        return Object.entries(i.config).flatMap(([k, v]) => (keys.has(k) && typeof v === 'string' && v.length > 0 ? [v] : []));
      });
    const refreshSecrets = () => logger.setSecrets([admin.value, pipeline.value, ...secretValues()]);
    directory.onChange(refreshSecrets);
    await directory.start();
    refreshSecrets();

    const retry = options.retry ?? new RetryPolicy();
    const scheduler = new DeliveryScheduler(
      { store, directory, registry, metrics, deletedUsers, logger },
      {
        instanceId,
        retry,
        batchWaitMs: options.batchWaitMs,
        rateLimits: options.rateLimits ?? true,
        rateLimitScale: options.rateLimitScale ?? 1,
        concurrency: options.deliveryConcurrency ?? 4,
        leaseMs: options.leaseMs ?? 30_000,
        idlePollMs: 1000,
        clock,
        releaseAllClaimsAtStart: engine === 'sqlite',
        bucketSweepMs: Math.max(1000, 60_000 * (options.rateLimitScale ?? 1)),
      },
    );
    const ingestion = new IngestionService(store, directory, metrics, clock, logger);
    ingestion.onQueued((ids) => scheduler.notify(ids));

    /** An adapter for API work on one integration (a test, a preview, a deletion); the caller closes it. */
    const adapterFor = (integration: Integration, blueprint = integration.blueprint) => {
      const plugin = registry.get(integration.catalogKey);
      if (!plugin) throw new StartupError(`No plugin for catalog key "${integration.catalogKey}" is loaded in this host`);
      return plugin.createAdapter({ integrationId: integration.id, config: integration.config, blueprint }, { logger: logger.child({ integrationId: integration.id }), clock });
    };
    const userDeletions = new UserDeletionService({ store, registry, box, deletedUsers, adapterFor, logger, clock, instanceId });

    const connectionTests = new ConnectionTests({ store, registry, directory, adapterFor, logger, clock });
    const testConnection = (integration: Integration) => connectionTests.test(integration);
    const credentialsWaitMs = options.credentialsCheckWaitMs ?? 3000;

    const app = await createApp({
      tokens: { admin: admin.value, pipeline: pipeline.value },
      maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024,
      maxConcurrentBodies: options.maxConcurrentBodies ?? 8,
      bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
      logger,
      version,
    });
    const live = new LiveStreams(store.logs, logger, options.live);
    registerRoutes(app, {
      registry,
      store,
      box,
      installer: new Installer(registry, store, box, directory, clock),
      editor: new IntegrationEditor(registry, store, box, directory, clock),
      metrics,
      testConnection,
      checkCredentials: (integration) => checkCredentials(testConnection, integration, credentialsWaitMs),
      adapterFor,
      wake: (ids) => scheduler.notify(ids),
      live,
      deletions: userDeletions,
      ingestion,
      maxBatchEvents: options.maxBatchEvents ?? 1000,
      clock,
      instance: { id: instanceId, engine, version, startedAt },
      settings: {
        logRetentionDays: options.logRetentionDays ?? 30,
        retryScheduleMs: retry.scheduleMs,
        retryWindowMs: retry.waitLimitMs,
        leaseMs: options.leaseMs ?? 30_000,
        rateLimits: options.rateLimits ?? true,
        rateLimitScale: options.rateLimitScale ?? 1,
      },
    });

    const port = options.port ?? 8084;
    const bindHost = options.host ?? '127.0.0.1';
    try {
      await app.listen({ port, host: bindHost });
    } catch (error) {
      await app.close().catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE') throw new StartupError(`PORT=${port}: the port is already in use on ${bindHost}: stop what listens there or set PORT to a free port`);
      if (code === 'EACCES') throw new StartupError(`Port ${port} on ${bindHost} needs privileges this user lacks: set PORT above 1023`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StartupError(`HOST=${bindHost} is not an address of this machine`);
      throw error;
    }
    const address = app.server.address();
    const url = typeof address === 'object' && address ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : `http://${bindHost}:${port}`;
    await scheduler.start();
    userDeletions.start();

    const retentionDays = options.logRetentionDays ?? 30;
    const pruneLogs = async () => {
      const removed = await store.logs.prune(new Date(clock() - retentionDays * 86_400_000).toISOString());
      if (removed > 0) logger.info('deleted delivery logs past their retention', { entries: removed, retention_days: retentionDays });
    };
    await pruneLogs();
    const pruneTimer = setInterval(() => void pruneLogs().catch((error) => logger.warn('could not prune delivery logs', { error: String(error) })), 3_600_000).unref();
    logger.info('host started', { url, engine, database: store.description, instance_id: instanceId, integrations: directory.list().length, plugins: registry.list().map((p) => p.manifest.key) });

    return {
      url,
      adminToken: admin.value,
      pipelineKey: pipeline.value,
      generated: { adminToken: admin.generated, pipelineKey: pipeline.generated },
      dataDir: options.dataDir,
      store,
      instanceId,
      directory,
      scheduler,
      metrics,
      live,
      app,
      async stop() {
        clearInterval(pruneTimer);
        await app.close();
        await userDeletions.stop();
        await scheduler.stop();
        directory.stop();
        await store.close();
        logger.info('host stopped', { instance_id: instanceId });
      },
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}
