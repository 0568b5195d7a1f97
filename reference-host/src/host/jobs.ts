import type { HostSettings } from './options.js';
import type { HostServices } from './services.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface BackgroundJobs {
  stop(): Promise<void>;
}

/**
 * What runs on its own once the host listens: delivery (the scheduler and its workers, here or in their thread), following
 * user deletions at the vendor, and deleting delivery logs past their retention (at start, then hourly).
 */
export async function startBackgroundJobs(services: HostServices, settings: HostSettings): Promise<BackgroundJobs> {
  await services.delivery.start();
  services.userDeletions.start();
  const pruneTimer = await pruneDeliveryLogs(services, settings);
  return {
    async stop() {
      clearInterval(pruneTimer);
      await services.userDeletions.stop();
      await services.delivery.stop();
    },
  };
}

async function pruneDeliveryLogs({ store }: HostServices, { clock, logger, logRetentionDays }: HostSettings): Promise<NodeJS.Timeout> {
  const pruneLogs = async () => {
    const cutoff = clock() - logRetentionDays * DAY;
    const removed = await store.logs.prune(new Date(cutoff).toISOString());
    // The data-quality counts point at delivery logs (their sample messageIds): they go with them.
    await store.quality.prune(cutoff);
    if (removed > 0) logger.info('deleted delivery logs past their retention', { entries: removed, retention_days: logRetentionDays });
  };
  await pruneLogs();
  return setInterval(() => void pruneLogs().catch((error) => logger.warn('could not prune delivery logs', { error: String(error) })), HOUR).unref();
}
