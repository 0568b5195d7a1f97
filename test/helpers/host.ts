import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Container } from 'inversify';
import { heapModule } from '../../src/heap/index.js';
import { startHost, type Host, type HostOptions } from '../../src/host/host.js';
import { JsonLogger } from '../../src/host/logger.js';
import { RetryPolicy } from '../../src/host/retry-policy.js';

export interface TestHost extends Host {
  logLines: string[];
  /** Calls the host over HTTP; `token` defaults to the admin token. */
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  cleanup(): Promise<void>;
}

export const SECRET_KEY = 'a'.repeat(64);

/** A real host on a free port, with its data in a fresh temp directory and short retry delays. */
export async function startTestHost(options: Partial<HostOptions> = {}, dataDir = mkdtempSync(join(tmpdir(), 'datafly-host-'))): Promise<TestHost> {
  const logLines: string[] = [];
  const container = new Container();
  container.load(heapModule);
  const host = await startHost({
    container,
    dataDir,
    port: 0,
    secretKey: SECRET_KEY,
    adminToken: 'admin-token-for-tests',
    pipelineKey: 'pipeline-key-for-tests',
    retry: new RetryPolicy([50, 100, 150, 200], () => 0.5),
    batchWaitMs: 20,
    logger: new JsonLogger((line) => void logLines.push(line), 'debug'),
    ...options,
  });
  const testHost: TestHost = Object.assign(host, {
    logLines,
    async call(method: string, path: string, body?: unknown, token = host.adminToken) {
      const response = await fetch(`${host.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
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
    async cleanup() {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
  return testHost;
}
