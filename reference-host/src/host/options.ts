import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Container } from 'inversify';
import { RetryPolicy } from '../common/retry-policy.js';
import { PACKAGE_VERSION } from '../version.js';
import type { PluginModuleRef } from './delivery/thread-messages.js';
import type { LiveSettings } from './live/live-streams.js';
import { JsonLogger } from './logger.js';
import type { StoreLocation } from './store/engine.js';

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
  /**
   * Delivery in a worker thread of its own, which loads these plugin modules itself (a container
   * cannot cross threads; they should bind the same plugins as `container`). It runs on the
   * system clock. Absent: delivery shares the thread that takes requests.
   */
  deliveryThread?: { plugins: PluginModuleRef[] };
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

/** Options that stay optional once the defaults are in: each has a meaning when absent. */
type WithoutDefault = 'adminToken' | 'pipelineKey' | 'secretKey' | 'batchWaitMs' | 'live' | 'deliveryThread';

/** The options with their defaults filled in: what the parts of the host read. */
export type HostSettings = Omit<Required<HostOptions>, WithoutDefault> & Pick<HostOptions, WithoutDefault>;

/** Every default in one place (the README lists them, with the variables that set them). */
export function withDefaults(options: HostOptions): HostSettings {
  return {
    ...options,
    port: options.port ?? 8084,
    host: options.host ?? '127.0.0.1',
    instanceId: options.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    retry: options.retry ?? new RetryPolicy(),
    rateLimitScale: options.rateLimitScale ?? 1,
    rateLimits: options.rateLimits ?? true,
    deliveryConcurrency: options.deliveryConcurrency ?? 4,
    leaseMs: options.leaseMs ?? 30_000,
    configPollMs: options.configPollMs ?? 1000,
    maxBodyBytes: options.maxBodyBytes ?? 5 * 1024 * 1024,
    maxBatchEvents: options.maxBatchEvents ?? 1000,
    maxConcurrentBodies: options.maxConcurrentBodies ?? 8,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
    logRetentionDays: options.logRetentionDays ?? 30,
    credentialsCheckWaitMs: options.credentialsCheckWaitMs ?? 3000,
    logger: options.logger ?? new JsonLogger(),
    version: options.version ?? PACKAGE_VERSION,
    clock: options.clock ?? (() => Date.now()),
  };
}
