import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorText } from '../../common/error-text.js';
import { StartupError } from '../errors.js';
import type { IntegrationDirectory } from '../integrations/directory.js';
import type { JsonLogger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Delivery } from './delivery.js';
import { applyMetrics } from './thread-forwarding.js';
import type { FromThread, Question, ThreadData, ToThread } from './thread-messages.js';

interface ThreadDeps {
  directory: IntegrationDirectory;
  metrics: Metrics;
  logger: JsonLogger;
}

/**
 * The thread runs built JavaScript: beside this file, or, when the host runs from its TypeScript
 * sources (the tests, which build first), the build of the same file in dist/.
 */
const THREAD_ENTRY = extname(fileURLToPath(import.meta.url)) === '.ts' ? new URL('../../../dist/host/delivery/thread-entry.js', import.meta.url) : new URL('./thread-entry.js', import.meta.url);

/** The longest the host waits before starting a failed delivery thread again. */
const RESTART_MAX_MS = 30_000;
/**
 * The delivery thread's young generation, half of V8's default: delivery's garbage (a batch's parsed
 * events, planned and let go) dies young in either, and the smaller one is less memory held between
 * collections, at no measurable cost in CPU (docs/performance.md).
 */
const YOUNG_GENERATION_MB = 24;

/**
 * Delivery in a worker thread of its own (thread-entry.ts): claims, the plugins' adapters and
 * settles use the second core while this thread takes requests. The thread has its own store
 * connection and its own view of the integrations; this side passes it wake-ups (events queued),
 * changes (an install, an edit, a resume) and deletions, and writes its logs and counts. A thread that
 * fails is started again; what it had in flight goes back to the queue as a stopped instance's would.
 */
export class DeliveryThread implements Delivery {
  private worker?: Worker;
  private readonly questions = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextQuestion = 1;
  private stopping = false;
  private failures = 0;
  private restartTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly data: ThreadData,
    private readonly deps: ThreadDeps,
  ) {}

  async start(): Promise<void> {
    await this.spawn();
    this.unsubscribe = this.deps.directory.onChange(() => this.send({ type: 'changed' }));
  }

  notify(integrationIds: readonly string[]): void {
    this.send({ type: 'notify', integrationIds });
  }

  forgetDeletedUsers(integrationId: string): void {
    this.send({ type: 'forget-deleted-users', integrationId });
  }

  drained(timeoutMs = 30_000): Promise<void> {
    return this.ask({ kind: 'drained', timeoutMs });
  }

  applied(): Promise<void> {
    return this.ask({ kind: 'applied' });
  }

  /** The thread finishes and settles its batches in flight and closes its store; then it ends. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    try {
      await this.ask({ kind: 'stop' });
    } finally {
      this.worker = undefined;
      await worker.terminate();
    }
  }

  /**
   * Starts the thread; resolves once it has loaded the plugins (it then delivers as soon as its store
   * answers, trying again until it does), fails with why a plugin did not load.
   */
  private spawn(): Promise<void> {
    const worker = new Worker(THREAD_ENTRY, { workerData: this.data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      let startedAt = 0;
      let failure: string | undefined;
      worker.on('message', (message: FromThread) => {
        if (message.type === 'started') {
          started = true;
          startedAt = performance.now();
          resolve();
        } else if (message.type === 'start-failed') {
          this.worker = undefined;
          void worker.terminate();
          reject(new StartupError(`The delivery thread could not start: ${message.message}`));
        } else this.heard(message);
      });
      worker.on('error', (error) => {
        if (!started) {
          this.worker = undefined;
          reject(new StartupError(`The delivery thread could not start: ${errorText(error)}`));
        } else failure = errorText(error);
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.refuseQuestions('the delivery thread ended');
        if (!started || this.stopping) return;
        // A thread that ran a good while before failing starts the back-off over; one failing again and again waits longer each time.
        if (performance.now() - startedAt > RESTART_MAX_MS) this.failures = 0;
        const waitMs = this.nextRestartWait();
        this.deps.logger.error('the delivery thread failed; it starts again and its batches in flight return to the queue', { error: failure ?? `it ended with exit code ${code}`, restart_in_ms: waitMs });
        this.deps.metrics.deliveryThreadRestarted();
        this.restartLater(waitMs);
      });
    });
  }

  private heard(message: FromThread): void {
    if (message.type === 'log') this.deps.logger[message.level](message.message, message.fields);
    else if (message.type === 'metrics') applyMetrics(this.deps.metrics, message.delta);
    else if (message.type === 'status-changed') void this.deps.directory.refresh().catch(() => undefined);
    else if (message.type === 'answer') {
      const waiting = this.questions.get(message.id);
      this.questions.delete(message.id);
      if (message.error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(message.error));
    }
  }

  /** 0.5 s, doubling with each failure in a row, at most RESTART_MAX_MS. */
  private nextRestartWait(): number {
    return Math.min(RESTART_MAX_MS, 500 * 2 ** this.failures++);
  }

  private restartLater(waitMs: number): void {
    this.restartTimer = setTimeout(() => {
      this.spawn().then(
        () => this.deps.logger.info('the delivery thread runs again'),
        (error) => {
          const next = this.nextRestartWait();
          this.deps.logger.error('the delivery thread could not start again; trying later', { error: errorText(error), restart_in_ms: next });
          if (!this.stopping) this.restartLater(next);
        },
      );
    }, waitMs);
    this.restartTimer.unref();
  }

  private ask(question: Question): Promise<void> {
    if (!this.worker) return question.kind === 'stop' ? Promise.resolve() : Promise.reject(new Error('the delivery thread is not running'));
    const id = this.nextQuestion++;
    return new Promise((resolve, reject) => {
      this.questions.set(id, { resolve, reject });
      this.send({ type: 'ask', id, question });
    });
  }

  private send(message: ToThread): void {
    this.worker?.postMessage(message);
  }

  private refuseQuestions(why: string): void {
    for (const waiting of this.questions.values()) waiting.reject(new Error(why));
    this.questions.clear();
  }
}
