import { freePort, startNodeProcess, type NodeProcess } from '../../tools/processes.js';
import { stopAfterFile } from './leftovers.js';
import { builtPath } from './paths.js';

export const PROCESS_TOKENS = { admin: 'crash-admin-token', pipeline: 'crash-pipeline-key', secretKey: 'b'.repeat(64) };

/** `npm start`'s entry point (the built dist/start.js) in its own process, without the embedded sandbox. */
export async function startHostProcess(dataDir: string, env: Record<string, string> = {}): Promise<NodeProcess> {
  const port = await freePort();
  const host = await startNodeProcess(
    [builtPath('dist/start.js')],
    {
      HEAP_SANDBOX: 'off',
      PORT: String(port),
      DATA_DIR: dataDir,
      DATAFLY_ADMIN_TOKEN: PROCESS_TOKENS.admin,
      DATAFLY_PIPELINE_KEY: PROCESS_TOKENS.pipeline,
      DATAFLY_SECRET_KEY: PROCESS_TOKENS.secretKey,
      ...env,
    },
    `http://127.0.0.1:${port}`,
    '/health',
  );
  // Killed after the file if its test did not stop it (kill does nothing to one that exited).
  stopAfterFile(() => host.kill());
  return host;
}
