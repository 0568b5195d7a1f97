import type { FastifyInstance } from 'fastify';
import type { Delivery } from './delivery/delivery.js';
import type { IntegrationDirectory } from './integrations/directory.js';
import { startBackgroundJobs } from './jobs.js';
import { listen } from './listening.js';
import type { LiveStreams } from './live/live-streams.js';
import type { Metrics } from './metrics.js';
import { withDefaults, type HostOptions } from './options.js';
import { composeServices } from './services.js';
import type { Store } from './store/store.js';

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
  delivery: Delivery;
  metrics: Metrics;
  live: LiveStreams;
  app: FastifyInstance;
  stop(): Promise<void>;
}

/**
 * The host's composition root: the services over the store (services.ts), the HTTP app listening
 * (listening.ts), then what runs in the background (jobs.ts). Stopping undoes it in reverse.
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const settings = withDefaults(options);
  const services = await composeServices(settings);
  const { store, directory, registry, tokens } = services;
  const { logger, instanceId } = settings;
  try {
    const { app, url } = await listen(services, settings);
    const jobs = await startBackgroundJobs(services, settings).catch(async (error: unknown) => {
      await app.close();
      directory.stop();
      throw error;
    });
    logger.info('host started', { url, engine: settings.store.engine, database: store.description, instance_id: instanceId, integrations: directory.list().length, plugins: registry.list().map((p) => p.manifest.key), delivery_thread: settings.deliveryThread !== undefined });
    return {
      url,
      adminToken: tokens.admin.value,
      pipelineKey: tokens.pipeline.value,
      generated: { adminToken: tokens.admin.generated, pipelineKey: tokens.pipeline.generated },
      dataDir: settings.dataDir,
      store,
      instanceId,
      directory,
      delivery: services.delivery,
      metrics: services.metrics,
      live: services.live,
      app,
      async stop() {
        // Said before the wait: finishing a batch in flight may take up to the vendor's timeout.
        logger.info('host stopping: requests are answered, then the batches in flight finish and settle', { instance_id: instanceId });
        await app.close();
        await jobs.stop();
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
