import { freePort, startNodeProcess, type NodeProcess } from '../tools/processes.js';

export type Proc = NodeProcess;

/** The built sandbox (dist/), in its own process so its CPU is not the plugin's. */
export async function startSandboxProcess(options: { limits: boolean; apiKey: string }): Promise<Proc> {
  const port = await freePort();
  const args = ['dist/sandbox/cli.js', '--port', String(port), '--max-recorded', '2000000', '--max-raw-body-bytes', '0'];
  if (!options.limits) args.push('--no-limits');
  return startNodeProcess(args, { HEAP_SANDBOX_API_KEY: options.apiKey }, `http://127.0.0.1:${port}`, '/__sandbox/stats');
}

export const BENCH_TOKENS = { admin: 'bench-admin-token', pipeline: 'bench-pipeline-key', secretKey: 'c'.repeat(64) };

/** The built host (`node dist/start.js`, as npm start runs it) without the embedded sandbox. */
export async function startHostProcess(dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Proc> {
  const port = await freePort();
  return startNodeProcess(
    [...nodeArgs, 'dist/start.js'],
    {
      HEAP_SANDBOX: 'off',
      PORT: String(port),
      DATA_DIR: dataDir,
      DATAFLY_ADMIN_TOKEN: BENCH_TOKENS.admin,
      DATAFLY_PIPELINE_KEY: BENCH_TOKENS.pipeline,
      DATAFLY_SECRET_KEY: BENCH_TOKENS.secretKey,
      LOG_LEVEL: 'warn',
      ...env,
    },
    `http://127.0.0.1:${port}`,
    '/health',
  );
}

export async function json(url: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function installHeap(host: Proc, sandbox: Proc, apiKey: string, extra: Record<string, unknown> = {}): Promise<string> {
  const installed = await json(`${host.url}/v1/admin/integration-catalog/heap/install`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_TOKENS.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ config: { app_id: '1234567890', api_key: apiKey, endpoint: sandbox.url, ...extra } }),
  });
  return installed.id;
}

/** Posts events to /v1/batch in batches of 1000, `parallel` requests at a time. */
export async function ingest(host: Proc, events: readonly Record<string, unknown>[], parallel = 2): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const batch = events.slice(next, next + 1000);
      next += 1000;
      const answer = await json(`${host.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_TOKENS.pipeline}`, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      if (answer.accepted !== batch.length) throw new Error(`ingestion refused ${batch.length - answer.accepted} events: ${JSON.stringify(answer.rejected.slice(0, 3))}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

export async function sandboxStats(sandbox: Proc): Promise<{ unique_idempotency_keys: number; requests: number; by_status: Record<string, number>; events_accepted: number; users: number }> {
  return json(`${sandbox.url}/__sandbox/stats`);
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Events the host has finished with for an integration (delivered, filtered or failed), from /metrics. */
export async function settled(host: Proc, integrationId: string): Promise<number> {
  const text = await (await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${BENCH_TOKENS.admin}` } })).text();
  const value = (name: string) => Number(new RegExp(`datafly_${name}_total\\{integration="${integrationId}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  return value('events_delivered') + value('events_filtered') + value('events_failed');
}
