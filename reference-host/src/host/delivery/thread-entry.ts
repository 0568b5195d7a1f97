import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { Container, type ContainerModule } from 'inversify';
import { errorText } from '../../common/error-text.js';
import { RetryPolicy } from '../../common/retry-policy.js';
import { IntegrationDirectory } from '../integrations/directory.js';
import { DeletedUsers } from '../privacy/deleted-users.js';
import { PluginRegistry } from '../registry.js';
import { loadSecretKey, SecretBox } from '../secrets.js';
import { Store } from '../store/store.js';
import { DeliveryScheduler } from './scheduler.js';
import { ForwardingLogger, ForwardingMetrics } from './thread-forwarding.js';
import type { FromThread, PluginModuleRef, Question, ThreadData, ToThread } from './thread-messages.js';

/**
 * The delivery thread (see DeliveryThread): the same scheduler and workers as in the host's thread,
 * over a store connection, a view of the integrations and plugins of its own. Logs and counts go to
 * the host thread; wake-ups, changes and questions come from it.
 */

const port = parentPort!;
const data = workerData as ThreadData;
const post = (message: FromThread) => port.postMessage(message);
const logger = new ForwardingLogger(post, { thread: 'delivery' });
const metrics = new ForwardingMetrics(post);

async function loadPlugins(refs: readonly PluginModuleRef[]): Promise<PluginRegistry> {
  const container = new Container();
  for (const ref of refs) {
    const exported = ((await import(ref.module)) as Record<string, unknown>)[ref.export];
    if (exported === undefined) throw new Error(`${ref.module} exports nothing named ${ref.export} (a ContainerModule binding plugins)`);
    container.load(exported as ContainerModule);
  }
  return PluginRegistry.fromContainer(container);
}

/** What runs once the store answers: the scheduler and what it stands on. */
interface Running {
  scheduler: DeliveryScheduler;
  directory: IntegrationDirectory;
  store: Store;
}

let stopping = false;
let running: Running | undefined;
let wakeStart: (() => void) | undefined;

/** Opens the store and starts delivering; a store that does not answer yet is tried again until it does (or the host stops). */
async function run(registry: PluginRegistry): Promise<Running | undefined> {
  for (let failures = 0; !stopping; failures++) {
    let store: Store | undefined;
    try {
      store = await Store.open(data.store, logger);
      const directory = new IntegrationDirectory(store, new SecretBox(loadSecretKey(data.dataDir, data.secretKey)), logger, data.configPollMs);
      await directory.start();
      const { retry, ...options } = data.scheduler;
      const scheduler = new DeliveryScheduler(
        { store, directory, registry, metrics, deletedUsers: new DeletedUsers(store, Date.now), logger },
        { ...options, retry: new RetryPolicy(retry.scheduleMs, Math.random, retry.retryAfterCapMs), clock: Date.now },
      );
      // What this thread's batches change (a pause, a back-off, a recovery) the host thread shows at once.
      directory.onChange(() => post({ type: 'status-changed' }));
      await scheduler.start();
      if (failures > 0) logger.info('the delivery thread reached the store; delivery starts', { after_failures: failures });
      return { scheduler, directory, store };
    } catch (error) {
      await store?.close().catch(() => undefined);
      if (failures === 0) logger.warn('the delivery thread cannot reach the store yet; it tries again', { error: errorText(error) });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(5000, 100 * 2 ** failures));
        wakeStart = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
  return undefined;
}

async function answer(question: Question, started: Promise<Running | undefined>): Promise<void> {
  if (question.kind === 'stop') {
    stopping = true;
    wakeStart?.();
    const ran = await started;
    if (!ran) return metrics.flush();
    await ran.scheduler.stop();
    ran.directory.stop();
    await ran.store.close();
    return metrics.flush();
  }
  const ran = await started;
  if (!ran) return;
  if (question.kind === 'drained') return ran.scheduler.drained(question.timeoutMs);
  // A change the host thread made has reached this thread as a 'changed' whose read may still be under
  // way: one read that starts after it, then the scheduler's chain holds the change.
  await ran.directory.refresh();
  return ran.scheduler.applied();
}

async function main(): Promise<void> {
  let registry: PluginRegistry;
  try {
    registry = await loadPlugins(data.plugins);
  } catch (error) {
    // A plugin that does not load is a configuration problem: the host's start says so and stops.
    return post({ type: 'start-failed', message: errorText(error) });
  }
  const started = run(registry).then((ran) => (running = ran));
  port.on('message', (message: ToThread) => {
    // Before the store answers, wake-ups and changes have nothing to reach: the scheduler reads everything when it starts.
    if (message.type === 'notify') running?.scheduler.notify(message.integrationIds);
    else if (message.type === 'changed') void running?.directory.refresh().catch((error) => logger.warn('could not refresh the integrations from the store', { error: errorText(error) }));
    else if (message.type === 'forget-deleted-users') running?.scheduler.forgetDeletedUsers(message.integrationId);
    else
      void answer(message.question, started).then(
        () => post({ type: 'answer', id: message.id }),
        (error) => post({ type: 'answer', id: message.id, error: errorText(error) }),
      );
  });
  post({ type: 'started' });
}

// As in the host's thread (start.ts): a promise nobody awaited is a bug in one task; log it and keep
// delivering. An uncaught exception ends the thread, and the host starts it again.
process.on('unhandledRejection', (reason) => logger.error('unhandled rejection in the delivery thread; it keeps running', { error: errorText(reason) }));

void main();
