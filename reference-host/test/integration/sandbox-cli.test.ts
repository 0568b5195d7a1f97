import { describe, expect, it } from '@jest/globals';
import { optionsFromCommandLine } from '../../src/sandbox/cli-options.js';
import { freePort, startNodeProcess } from '../../tools/processes.js';
import { builtPath } from '../helpers/paths.js';

/** `npm run sandbox` / `node dist/sandbox/cli.js`: flags and environment to options, and the process itself. */
describe('Heap sandbox command line', () => {
  it('defaults to the local credentials’ app, dropping unknown app ids', () => {
    expect(optionsFromCommandLine([], {})).toEqual({
      port: 8085,
      host: '127.0.0.1',
      credentials: [{ app_id: '1234567890', api_key: 'sandbox-api-key' }],
      appIds: [],
      unknownAppIds: 'drop',
      limits: { enabled: true },
      maxRecorded: 50_000,
      maxRawBodyBytes: undefined,
      deletionDelayMs: undefined,
    });
  });

  it('adds app ids from HEAP_SANDBOX_APP_IDS and repeated --app-id; rejects unknown ones on request', () => {
    const options = optionsFromCommandLine(['--app-id', '555', '--app-id', '666', '--reject-unknown-app-ids', '--no-limits', '--max-recorded', '2000000', '--max-raw-body-bytes', '0', '--deletion-delay-ms', '250'], {
      HEAP_SANDBOX_APP_ID: '42',
      HEAP_SANDBOX_API_KEY: 'k',
      HEAP_SANDBOX_APP_IDS: '100, 200,',
      HEAP_SANDBOX_PORT: '9000',
    });
    expect(options).toMatchObject({
      port: 9000,
      credentials: [{ app_id: '42', api_key: 'k' }],
      appIds: ['100', '200', '555', '666'],
      unknownAppIds: 'reject',
      limits: { enabled: false },
      maxRecorded: 2_000_000,
      maxRawBodyBytes: 0,
      deletionDelayMs: 250,
    });
  });

  it('takes any app id with --any-app-id, and refuses it beside flags it contradicts', () => {
    expect(optionsFromCommandLine(['--any-app-id'], {}).appIds).toBe('*');
    const message = '--any-app-id accepts every app_id: leave out --app-id, HEAP_SANDBOX_APP_IDS and --reject-unknown-app-ids';
    expect(() => optionsFromCommandLine(['--any-app-id', '--app-id', '1'], {})).toThrow(message);
    expect(() => optionsFromCommandLine(['--any-app-id'], { HEAP_SANDBOX_APP_IDS: '1' })).toThrow(message);
    expect(() => optionsFromCommandLine(['--any-app-id', '--reject-unknown-app-ids'], {})).toThrow(message);
  });

  it('runs as a process that knows its app ids, and exits 2 naming a bad option', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = [builtPath('dist/sandbox/cli.js')];
    const sandbox = await startNodeProcess([...cli, '--port', String(port), '--app-id', '555', '--reject-unknown-app-ids'], { HEAP_SANDBOX_APP_ID: '42' }, url, '/__sandbox/stats');
    try {
      const track = (appId: string) => fetch(`${url}/api/track`, { method: 'POST', body: JSON.stringify({ app_id: appId, event: 'E', identity: 'u' }) }).then(async (r) => [r.status, await r.text()]);
      expect([await track('42'), await track('555'), await track('999')]).toEqual([
        [200, '{}'],
        [200, '{}'],
        [400, JSON.stringify({ error: 'app_id: 999 is not an app of this Heap account' })],
      ]);
      expect(sandbox.output.join('')).toContain(`Heap sandbox listening on ${url}, for app_ids 42, 555 (others refused with 400)`);
    } finally {
      await sandbox.stop();
    }
    const failed = startNodeProcess([...cli, '--port', String(port), '--app-id', 'abc'], {}, url, '/__sandbox/stats');
    await expect(failed).rejects.toThrow(/exited with 2:\nHeap sandbox option appIds\[0\]: must be a numeric app_id/);
  });
});
