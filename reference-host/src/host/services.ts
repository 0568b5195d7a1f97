import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { DeliveryAdapter, UserDeletionAdapter } from '@datafly/heap-integration/contract';
import type { Delivery } from './delivery/delivery.js';
import { DeliveryScheduler, type SchedulerOptions } from './delivery/scheduler.js';
import { DeliveryThread } from './delivery/thread.js';
import type { PluginModuleRef, ThreadData } from './delivery/thread-messages.js';
import { StartupError } from './errors.js';
import { IngestionService } from './ingest.js';
import { secretKeys } from './integrations/config.js';
import { ConnectionTests, type ConnectionTestOutcome } from './integrations/connection-test.js';
import { checkCredentials, type CredentialsCheckResult } from './integrations/credentials-check.js';
import { IntegrationDirectory } from './integrations/directory.js';
import { IntegrationEditor } from './integrations/editor.js';
import { Installer } from './integrations/installer.js';
import type { Integration } from './integrations/model.js';
import { LiveStreams } from './live/live-streams.js';
import type { JsonLogger } from './logger.js';
import { Metrics } from './metrics.js';
import type { HostSettings } from './options.js';
import { DeletedUsers } from './privacy/deleted-users.js';
import { UserDeletionService } from './privacy/user-deletions.js';
import { PluginRegistry } from './registry.js';
import { checkSecretKey } from './secret-key-check.js';
import { loadSecretKey, readOrCreate, SecretBox } from './secrets.js';
import { Store } from './store/store.js';

/** A token shared by every instance: given, or generated once into the data directory (SQLite mode). */
export interface SharedToken {
  value: string;
  generated: boolean;
}

/** Everything the host runs on, built over one store: what the HTTP routes and the background jobs use. */
export interface HostServices {
  registry: PluginRegistry;
  store: Store;
  tokens: { admin: SharedToken; pipeline: SharedToken };
  box: SecretBox;
  directory: IntegrationDirectory;
  metrics: Metrics;
  /** Delivery: in this thread, or in a worker thread of its own (HostOptions.deliveryThread). */
  delivery: Delivery;
  ingestion: IngestionService;
  installer: Installer;
  editor: IntegrationEditor;
  userDeletions: UserDeletionService;
  testConnection: (integration: Integration) => Promise<ConnectionTestOutcome>;
  checkCredentials: (integration: Integration) => Promise<CredentialsCheckResult>;
  adapterFor: (integration: Integration, blueprint?: Integration['blueprint']) => DeliveryAdapter;
  live: LiveStreams;
  /** When this instance started (for uptime). */
  startedAt: number;
}

/**
 * Opens the store and builds every service on it, the directory of integrations loaded (and from then
 * on following changes made by other instances). Nothing listens or runs in the background yet. If any
 * of it fails, the store is closed again.
 */
export async function composeServices(settings: HostSettings): Promise<HostServices> {
  const { logger, clock } = settings;
  const startedAt = clock();
  const registry = PluginRegistry.fromContainer(settings.container);
  const store = await Store.open(settings.store, logger);
  try {
    const { tokens, box } = await openSecrets(settings, store);
    const directory = new IntegrationDirectory(store, box, logger, settings.configPollMs);
    const deletedUsers = new DeletedUsers(store, clock);
    const metrics = instanceMetrics(settings, store, directory);
    keepSecretsOutOfLogs(logger, directory, registry, tokens);
    await directory.start();

    const delivery = settings.deliveryThread
      ? new DeliveryThread(threadData(settings, settings.deliveryThread.plugins), { directory, metrics, logger })
      : new DeliveryScheduler({ store, directory, registry, metrics, deletedUsers, logger }, schedulerOptions(settings));
    const ingestion = new IngestionService(store, directory, metrics, clock, logger);
    ingestion.onQueued((ids) => delivery.notify(ids));
    const adapterFor = adapterFactory(registry, logger, clock);
    const connectionTests = new ConnectionTests({ store, registry, directory, adapterFor, logger, clock });
    const testConnection = (integration: Integration) => connectionTests.test(integration);
    return {
      registry,
      store,
      tokens,
      box,
      directory,
      metrics,
      delivery,
      ingestion,
      installer: new Installer(registry, store, box, directory, clock),
      editor: new IntegrationEditor(registry, store, box, directory, clock),
      userDeletions: new UserDeletionService({ store, registry, box, deletedUsers: { forget: (id) => delivery.forgetDeletedUsers(id) }, deletionFor: deletionFactory(registry, logger, clock), logger, clock, instanceId: settings.instanceId }),
      testConnection,
      checkCredentials: (integration) => checkCredentials(testConnection, integration, settings.credentialsCheckWaitMs),
      adapterFor,
      live: new LiveStreams(store.logs, logger, settings.live),
      startedAt,
    };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

const token = () => randomBytes(24).toString('base64url');

/**
 * The two tokens and the key that seals secrets at rest. In PostgreSQL mode all three must be given
 * (every instance must agree); in SQLite mode they are generated into the data directory when absent.
 * A key that does not open the secrets the store holds stops the start.
 */
async function openSecrets(settings: HostSettings, store: Store): Promise<{ tokens: HostServices['tokens']; box: SecretBox }> {
  const engine = settings.store.engine;
  const shared = (name: string, value: string | undefined, file: string, make: () => string): SharedToken => {
    if (value) return { value, generated: false };
    if (engine === 'postgres') throw new StartupError(`${name} must be set in PostgreSQL mode: every instance must use the same value`);
    return readOrCreate(join(settings.dataDir, file), make);
  };
  const admin = shared('DATAFLY_ADMIN_TOKEN', settings.adminToken, 'admin.token', token);
  const pipeline = shared('DATAFLY_PIPELINE_KEY', settings.pipelineKey, 'pipeline.key', token);
  if (engine === 'postgres' && !settings.secretKey) throw new StartupError('DATAFLY_SECRET_KEY must be set in PostgreSQL mode: every instance must open the same sealed secrets');
  const box = new SecretBox(loadSecretKey(settings.dataDir, settings.secretKey));
  await checkSecretKey(store.integrations, box, settings.secretKey ? 'DATAFLY_SECRET_KEY' : `The secret key in ${join(settings.dataDir, 'secret.key')}`);
  return { tokens: { admin, pipeline }, box };
}

/** The tokens and every integration's secret config values are masked in every log line, kept current as integrations change. */
function keepSecretsOutOfLogs(logger: JsonLogger, directory: IntegrationDirectory, registry: PluginRegistry, tokens: HostServices['tokens']): void {
  const secretValues = () =>
    directory.list().flatMap((i) => {
      const plugin = registry.get(i.catalogKey);
      const keys = plugin ? secretKeys(plugin) : new Set<string>();
      return Object.entries(i.config).flatMap(([k, v]) => (keys.has(k) && typeof v === 'string' && v.length > 0 ? [v] : []));
    });
  const refreshSecrets = () => logger.setSecrets([tokens.admin.value, tokens.pipeline.value, ...secretValues()]);
  directory.onChange(refreshSecrets);
  refreshSecrets();
}

/** This instance's Prometheus metrics; queue depth and paused integrations are read at each scrape. */
function instanceMetrics(settings: HostSettings, store: Store, directory: IntegrationDirectory): Metrics {
  return new Metrics(
    { id: settings.instanceId, engine: settings.store.engine, version: settings.version },
    {
      queueDepth: () => store.queue.depth(),
      integrations: () => directory.list().map((i) => i.id),
      paused: () => directory.list().flatMap((i) => (directory.status(i.id).paused ? [{ integration_id: i.id, code: directory.status(i.id).paused!.code }] : [])),
    },
  );
}

function schedulerOptions(settings: HostSettings): SchedulerOptions {
  return {
    instanceId: settings.instanceId,
    retry: settings.retry,
    batchWaitMs: settings.batchWaitMs,
    rateLimits: settings.rateLimits,
    rateLimitScale: settings.rateLimitScale,
    concurrency: settings.deliveryConcurrency,
    leaseMs: settings.leaseMs,
    idlePollMs: 1000,
    clock: settings.clock,
    releaseAllClaimsAtStart: settings.store.engine === 'sqlite',
    bucketSweepMs: Math.max(1000, 60_000 * settings.rateLimitScale),
  };
}

/** The delivery thread's start: the same scheduler options, in the form that crosses threads. */
function threadData(settings: HostSettings, plugins: PluginModuleRef[]): ThreadData {
  const { retry, clock: _clock, ...options } = schedulerOptions(settings);
  return {
    store: settings.store,
    dataDir: settings.dataDir,
    secretKey: settings.secretKey,
    plugins,
    configPollMs: settings.configPollMs,
    scheduler: { ...options, retry: { scheduleMs: [...retry.scheduleMs], retryAfterCapMs: retry.retryAfterCapMs } },
  };
}

/** An adapter for API work on one integration (a test, a preview); the caller closes it. */
function adapterFactory(registry: PluginRegistry, logger: JsonLogger, clock: () => number): HostServices['adapterFor'] {
  return (integration, blueprint = integration.blueprint) => {
    const plugin = registry.get(integration.catalogKey);
    if (!plugin) throw new StartupError(`No plugin for catalog key "${integration.catalogKey}" is loaded in this host`);
    return plugin.createAdapter({ integrationId: integration.id, config: integration.config, blueprint }, { logger: logger.child({ integrationId: integration.id }), clock });
  };
}

/** A deletion adapter for one integration, when its plugin offers user deletion; the caller closes it. */
function deletionFactory(registry: PluginRegistry, logger: JsonLogger, clock: () => number): (integration: Integration) => UserDeletionAdapter | undefined {
  return (integration) => {
    const plugin = registry.get(integration.catalogKey);
    if (!plugin?.createUserDeletion) return undefined;
    return plugin.createUserDeletion({ integrationId: integration.id, config: integration.config, blueprint: integration.blueprint }, { logger: logger.child({ integrationId: integration.id }), clock });
  };
}
