import type { Level } from '../logger.js';
import type { CounterName } from '../metrics.js';
import type { StoreLocation } from '../store/engine.js';
import type { SchedulerOptions } from './scheduler.js';

/** A module that exports an inversify ContainerModule binding plugins: how the delivery thread loads the host's plugins. */
export interface PluginModuleRef {
  /** An import specifier (a package name, or a file URL). */
  module: string;
  /** The name of the ContainerModule it exports. */
  export: string;
}

/** The scheduler's options as they cross to the thread: the retry policy as its figures, no clock (the thread's is the system's). */
export type ThreadSchedulerOptions = Omit<SchedulerOptions, 'retry' | 'clock'> & { retry: { scheduleMs: number[]; retryAfterCapMs: number } };

/** What the delivery thread starts from: only values that cross threads (no functions, no connections). */
export interface ThreadData {
  store: StoreLocation;
  dataDir: string;
  secretKey?: string;
  plugins: PluginModuleRef[];
  configPollMs: number;
  scheduler: ThreadSchedulerOptions;
}

/** A question the host thread asks; the answer carries the same id. */
export type Question = { kind: 'drained'; timeoutMs: number } | { kind: 'applied' } | { kind: 'stop' };

export type ToThread =
  | { type: 'notify'; integrationIds: readonly string[] }
  /** An integration changed (here or, seen by this instance's poll, elsewhere): read it again now. */
  | { type: 'changed' }
  | { type: 'forget-deleted-users'; integrationId: string }
  | { type: 'ask'; id: number; question: Question };

/** Counts gathered over one turn of the thread's event loop, sent as one message. */
export interface MetricsDelta {
  counters: [name: CounterName, integrationId: string, by: number][];
  latencies: [integrationId: string, seconds: number][];
  warnings: [integrationId: string, code: string, by: number][];
}

export type FromThread =
  /** The plugins loaded: the thread takes messages. Delivery begins once its store answers (it keeps trying). */
  | { type: 'started' }
  /** A plugin module did not load: a configuration problem that stops the host's start. */
  | { type: 'start-failed'; message: string }
  | { type: 'log'; level: Level; message: string; fields: Record<string, unknown> }
  | { type: 'metrics'; delta: MetricsDelta }
  /** A batch paused an integration, backed it off or saw it recover: the host's view reads the store again. */
  | { type: 'status-changed' }
  | { type: 'answer'; id: number; error?: string };
