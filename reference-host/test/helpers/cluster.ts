import { existsSync } from 'node:fs';
import { freePort, startNodeProcess, type NodeProcess } from '../../tools/processes.js';
import { stopAfterFile } from './leftovers.js';
import { hostPath } from './paths.js';

/** A process the file kills after itself if its test did not (kill does nothing to one that exited). */
function killedAfterFile(child: NodeProcess): NodeProcess {
  stopAfterFile(() => child.kill());
  return child;
}

/** Tokens every instance of a test cluster shares (PostgreSQL mode takes them from the environment). */
export const CLUSTER_TOKENS = { admin: 'cluster-admin-token-0123456789', pipeline: 'cluster-pipeline-key-0123456789', secretKey: 'd'.repeat(64) };

function requireBuild(): void {
  if (!existsSync(hostPath('dist/start.js'))) throw new Error('dist/start.js is missing: the cluster tests run the built host (npm test builds it; or run npm run build)');
}

/** The built sandbox (`dist/sandbox/cli.js`) in its own process, its limits' windows scaled by `scale`. */
export async function startSandboxProcess(options: { scale?: number; limits?: boolean; apiKey?: string } = {}): Promise<NodeProcess> {
  requireBuild();
  const port = await freePort();
  const args = [hostPath('dist/sandbox/cli.js'), '--port', String(port), '--max-recorded', '500000', '--max-raw-body-bytes', '0'];
  if (options.limits === false) args.push('--no-limits');
  const sandbox = killedAfterFile(await startNodeProcess(args, { HEAP_SANDBOX_API_KEY: options.apiKey ?? 'cluster-sandbox-key' }, `http://127.0.0.1:${port}`, '/__sandbox/stats'));
  if (options.scale !== undefined) {
    const answer = await fetch(`${sandbox.url}/__sandbox/limits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scale: options.scale }) });
    if (!answer.ok) throw new Error(`the sandbox refused its limits: ${await answer.text()}`);
  }
  return sandbox;
}

/** One instance of the built host (`node dist/start.js`, as npm start runs it) on PostgreSQL, without the embedded sandbox. */
export async function startInstance(databaseUrl: string, env: Record<string, string> = {}): Promise<NodeProcess> {
  requireBuild();
  const port = await freePort();
  const instance = await startNodeProcess(
    [hostPath('dist/start.js')],
    {
      HEAP_SANDBOX: 'off',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATAFLY_ADMIN_TOKEN: CLUSTER_TOKENS.admin,
      DATAFLY_PIPELINE_KEY: CLUSTER_TOKENS.pipeline,
      DATAFLY_SECRET_KEY: CLUSTER_TOKENS.secretKey,
      LOG_LEVEL: 'warn',
      ...env,
    },
    `http://127.0.0.1:${port}`,
    '/health',
  );
  return killedAfterFile(instance);
}

/** Calls an instance over HTTP with the cluster's admin token (or the pipeline key). */
export async function call(instance: { url: string }, method: string, path: string, body?: unknown, token = CLUSTER_TOKENS.admin): Promise<{ status: number; body: any }> {
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
