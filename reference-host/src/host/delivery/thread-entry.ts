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

async function start(): Promise<void> {
  const registry = await loadPlugins(data.plugins);
  const store = await Store.open(data.store, logger);
  const directory = new IntegrationDirectory(store, new SecretBox(loadSecretKey(data.dataDir, data.secretKey)), logger, data.configPollMs);
  await directory.start();
  const { retry, ...options } = data.scheduler;
  const scheduler = new DeliveryScheduler(
    { store, directory, registry, metrics, deletedUsers: new DeletedUsers(store, Date.now), logger },
    { ...options, retry: new RetryPolicy(retry.scheduleMs, Math.random, retry.retryAfterCapMs), clock: Date.now },
  );
  // What this thread's batches change (a pause, a back-off, a recovery) the host thread shows at once.
  directory.onChange(() => post({ type: 'status-changed' }));

  const answer = async (question: Question): Promise<void> => {
    if (question.kind === 'drained') return scheduler.drained(question.timeoutMs);
    if (question.kind === 'applied') return scheduler.applied();
    await scheduler.stop();
    directory.stop();
    await store.close();
    metrics.flush();
  };
  port.on('message', (message: ToThread) => {
    if (message.type === 'notify') scheduler.notify(message.integrationIds);
    else if (message.type === 'changed') void directory.refresh().catch((error) => logger.warn('could not refresh the integrations from the store', { error: errorText(error) }));
    else if (message.type === 'forget-deleted-users') scheduler.forgetDeletedUsers(message.integrationId);
    else
      void answer(message.question).then(
        () => post({ type: 'answer', id: message.id }),
        (error) => post({ type: 'answer', id: message.id, error: errorText(error) }),
      );
  });
  await scheduler.start();
  post({ type: 'started' });
}

start().catch((error) => post({ type: 'start-failed', message: errorText(error) }));
