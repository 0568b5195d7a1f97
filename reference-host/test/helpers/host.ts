import 'reflect-metadata';
import { Container, type ContainerModule } from 'inversify';
import { heapModule } from '@datafly/heap-integration';
import { RetryPolicy } from '../../src/common/retry-policy.js';
import { startHost, type Host } from '../../src/host/host.js';
import type { HostOptions } from '../../src/host/options.js';
import { JsonLogger } from '../../src/host/logger.js';
import { DEFAULT_DEADLINE_MS } from './conditions.js';
import { freshLocation, type EngineName } from './engines.js';
import { once, stopAfterFile } from './leftovers.js';

export interface TestHost extends Host {
  engine: EngineName;
  logLines: string[];
  /** Calls the host over HTTP (a string or bytes are sent as they are); `token` defaults to the admin token. */
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  /** Events waiting (pending or in flight) and dead, read through the queue repository. */
  queued(integrationId?: string): Promise<{ waiting: number; dead: number }>;
  cleanup(): Promise<void>;
}

export const SECRET_KEY = 'a'.repeat(64);
export const TEST_TOKENS = { admin: 'admin-token-for-tests', pipeline: 'pipeline-key-for-tests' };

export interface TestHostOptions {
  engine?: EngineName;
  /** The store of an earlier host (a restart on the same data); the first host's cleanup removes it. */
  place?: Awaited<ReturnType<typeof freshLocation>>;
  /** Plugin modules besides Heap's (a second plugin proves the contract carries other vendors). */
  modules?: ContainerModule[];
}

/**
 * A real host on a free port, its state in a fresh SQLite directory or a fresh PostgreSQL database,
 * with short retry delays and batch waits so tests run in seconds. Every host test goes through this.
 */
export async function startTestHost(options: Partial<HostOptions> = {}, { engine = 'sqlite', modules = [], place: reused }: TestHostOptions = {}): Promise<TestHost & { place: Awaited<ReturnType<typeof freshLocation>> }> {
  const logLines: string[] = [];
  const place = reused ?? (await freshLocation(engine));
  const container = new Container();
  container.load(heapModule, ...modules);
  const started = startHost({
    container,
    store: place.location,
    dataDir: place.dataDir,
    port: 0,
    secretKey: SECRET_KEY,
    adminToken: TEST_TOKENS.admin,
    pipelineKey: TEST_TOKENS.pipeline,
    // Quick retries; the long last step only stretches the retry window (1.25 × the schedule), so events
    // held while Heap fails are never expired into the dead letters because a busy machine was slow.
    retry: new RetryPolicy([50, 100, 150, 200, 600_000], () => 0.5),
    batchWaitMs: 20,
    configPollMs: 200,
    logger: new JsonLogger((line) => void logLines.push(line), 'debug'),
    ...options,
  });
  const host = await started.catch(async (error: unknown) => {
    if (!reused) await place.dispose().catch(() => undefined);
    throw error;
  });
  // A drain on a busy machine may take long: its deadline, as every deadline here, only ends a hung test.
  const drained = host.delivery.drained.bind(host.delivery);
  host.delivery.drained = (timeoutMs = DEFAULT_DEADLINE_MS) => drained(timeoutMs);
  // Tests stop a host themselves (stop or cleanup), and the file stops whatever they did not.
  const stop = once(host.stop);
  const cleanup = once(async () => {
    await stop();
    if (!reused) await place.dispose();
  });
  stopAfterFile(cleanup);
  const testHost = Object.assign(host, {
    stop,
    engine,
    place,
    logLines,
    async call(method: string, path: string, body?: unknown, token = host.adminToken) {
      const response = await fetch(`${host.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, body: parsed, text, headers: response.headers };
    },
    async queued(integrationId?: string) {
      const rows = await host.store.queue.depth(integrationId);
      return { waiting: rows.filter((r) => r.state !== 'dead').reduce((n, r) => n + r.count, 0), dead: rows.filter((r) => r.state === 'dead').reduce((n, r) => n + r.count, 0) };
    },
    cleanup,
  });
  return testHost;
}
