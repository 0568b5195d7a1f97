import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { HostOptions } from '../../src/host/options.js';
import type { HeapSandbox } from '../../src/sandbox/server.js';
import type { EngineName } from './engines.js';
import { startSandbox } from './heap.js';
import { startTestHost, type TestHost } from './host.js';

/**
 * One host on `engine` and one sandbox for a whole describe block: started before its tests, each test
 * starting from no integrations and an empty sandbox, both stopped after. `started` hands them to the
 * block's own variables.
 */
export function hostOverSandbox(engine: EngineName, options: Partial<HostOptions>, started: (parts: { host: TestHost; sandbox: HeapSandbox }) => void): void {
  let host: TestHost | undefined;
  let sandbox: HeapSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox();
    host = await startTestHost(options, { engine });
    started({ host, sandbox });
  });
  afterAll(async () => {
    await host?.cleanup();
    await sandbox?.stop();
  });
  afterEach(async () => {
    if (!host || !sandbox) return;
    for (const i of (await host.call('GET', '/v1/admin/integrations')).body.data) await host.call('DELETE', `/v1/admin/integrations/${i.id}`);
    // A batch in flight when its integration was deleted still reaches the sandbox: let it land first.
    await host.delivery.applied();
    sandbox.reset();
  });
}
