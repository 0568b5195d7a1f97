import 'reflect-metadata';
import { Container } from 'inversify';
import type { Blueprint, DataflyEvent, DeliveryAdapter, IntegrationPlugin, UserDeletionAdapter } from '@datafly/heap-integration/contract';
import { INTEGRATION_PLUGIN } from '@datafly/heap-integration/contract';
import { heapModule, type HeapConfigInput } from '@datafly/heap-integration';
import { HeapSandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { once, stopAfterFile } from './leftovers.js';

export const APP_ID = '1234567890';
export const API_KEY = 'test-secret-key-7f3a9c';
export const TS = '2026-02-25T14:30:00.000Z';

export async function startSandbox(options: SandboxOptions = {}): Promise<HeapSandbox> {
  const sandbox = await new HeapSandbox({ credentials: [{ app_id: APP_ID, api_key: API_KEY }], limits: { enabled: false }, ...options }).start();
  // stop() does nothing on a stopped sandbox, and stops one a test restarted.
  stopAfterFile(() => sandbox.stop());
  return sandbox;
}

/** The plugin as a host gets it: from a container loaded with heapModule. */
export function heapPlugin(): IntegrationPlugin<HeapConfigInput> {
  const container = new Container();
  container.load(heapModule);
  return container.get<IntegrationPlugin<HeapConfigInput>>(INTEGRATION_PLUGIN);
}

/** Heap's adapter has the contract's optional methods: tests call them as it does. */
export type HeapTestAdapter = DeliveryAdapter & Required<Pick<DeliveryAdapter, 'rateLimitKey' | 'testConnection'>>;

export function withEveryMethod(adapter: DeliveryAdapter): HeapTestAdapter {
  if (!adapter.rateLimitKey || !adapter.testConnection) throw new Error('the Heap adapter has no rateLimitKey or testConnection');
  return adapter as HeapTestAdapter;
}

export function heapAdapter(sandbox: Pick<HeapSandbox, 'url'>, overrides: { config?: Partial<HeapConfigInput>; blueprint?: Blueprint } = {}): HeapTestAdapter {
  const plugin = heapPlugin();
  return withEveryMethod(
    plugin.createAdapter({
      integrationId: 'int_test',
      config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url, timeout_ms: 2000, ...overrides.config },
      blueprint: overrides.blueprint ?? plugin.defaultBlueprint(),
    }),
  );
}

/** Heap's user deletion against a sandbox (or anything with a URL), on an optional clock. */
export function heapDeletion(sandbox: Pick<HeapSandbox, 'url'>, overrides: { config?: Partial<HeapConfigInput>; clock?: () => number } = {}): UserDeletionAdapter {
  const plugin = heapPlugin();
  if (!plugin.createUserDeletion) throw new Error('the Heap plugin has no createUserDeletion');
  return plugin.createUserDeletion(
    { integrationId: 'int_deletion', config: { app_id: APP_ID, api_key: API_KEY, endpoint: sandbox.url, timeout_ms: 2000, ...overrides.config }, blueprint: plugin.defaultBlueprint() },
    { clock: overrides.clock },
  );
}

let counter = 0;
/** A canonical event with the fields every event has; `over` wins. */
export function event(over: Partial<DataflyEvent> & Record<string, unknown>): DataflyEvent {
  counter++;
  return { type: 'track', event: 'Button Clicked', anonymousId: 'anon-1', messageId: `msg-${counter}`, timestamp: TS, ...over } as DataflyEvent;
}

/** What the sandbox recorded, as path + body pairs, in arrival order. */
export function requestsOf(sandbox: HeapSandbox): { path: string; body: unknown }[] {
  return sandbox.recordedRequests().map((r) => ({ path: r.path, body: r.body }));
}

/** One request as a capturing server received it: the raw body, byte for byte. */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: import('node:http').IncomingHttpHeaders;
  body: string;
}

/**
 * A loopback HTTP server that records every request's raw body and answers `status` with `body`
 * (200 `{}` unless told): to compare what the adapter sends with what it says it sends.
 */
export async function startCaptureServer(answer: { status?: number; body?: string; headers?: Record<string, string> } = {}) {
  const { createServer } = await import('node:http');
  const captured: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      captured.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  const stop = once(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  stopAfterFile(stop);
  return { url: `http://127.0.0.1:${port}`, captured, stop };
}
