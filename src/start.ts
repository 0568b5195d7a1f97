import 'reflect-metadata';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Container } from 'inversify';
import { ensureHeapInstalled, sendDemoSession } from './demo.js';
import { heapModule } from './heap/index.js';
import { startHost } from './host/host.js';
import { JsonLogger } from './host/logger.js';
import { RetryPolicy } from './host/retry-policy.js';
import { readOrCreate } from './host/secrets.js';
import { HeapSandbox } from './sandbox/server.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';

/**
 * `npm start`: the composition root. The only place that knows both the host and the Heap plugin:
 * it loads heapModule into the container the host reads its plugins from.
 */
const { values: args } = parseArgs({ options: { demo: { type: 'boolean', default: false } } });
const env = process.env;
const dataDir = resolve(env.DATA_DIR ?? '.data');
mkdirSync(dataDir, { recursive: true });
const logger = new JsonLogger((line) => process.stdout.write(line), (env.LOG_LEVEL as 'info') ?? 'info');

// The last line of defence. A rejected promise nobody awaited is a bug in one task: log it and keep
// delivering (every accepted event is durable). An uncaught exception may have left state half-changed:
// log it, stop cleanly and exit 1 so a supervisor restarts the host on its intact store.
process.on('unhandledRejection', (reason) => {
  logger.error('unhandled rejection; the host keeps running', { error: reason instanceof Error ? reason.message : String(reason) });
});
process.on('uncaughtException', (error) => {
  logger.error('uncaught exception; the host stops', { error: error.message });
  void Promise.race([host?.stop(), new Promise((r) => setTimeout(r, 5000).unref())]).finally(() => process.exit(1));
});

let sandbox: HeapSandbox | undefined;
const sandboxAppId = env.HEAP_SANDBOX_APP_ID ?? '1234567890';
const sandboxKeyFile = join(dataDir, 'sandbox-api.key');
const sandboxApiKey = readOrCreate(sandboxKeyFile, () => `sbx_${randomBytes(12).toString('hex')}`);
if (env.HEAP_SANDBOX !== 'off') {
  sandbox = await new HeapSandbox({
    port: Number(env.HEAP_SANDBOX_PORT ?? 8085),
    credentials: [{ app_id: sandboxAppId, api_key: sandboxApiKey }],
  }).start();
}

const container = new Container();
container.load(heapModule);
let host: Awaited<ReturnType<typeof startHost>> | undefined;
host = await startHost({
  container,
  dataDir,
  port: Number(env.PORT ?? 8084),
  host: env.HOST ?? '127.0.0.1',
  adminToken: env.DATAFLY_ADMIN_TOKEN,
  pipelineKey: env.DATAFLY_PIPELINE_KEY,
  secretKey: env.DATAFLY_SECRET_KEY,
  retry: RetryPolicy.parse(env.DATAFLY_RETRY_SCHEDULE_MS),
  rateLimits: env.DATAFLY_RATE_LIMITS !== 'off',
  logRetentionDays: env.DATAFLY_LOG_RETENTION_DAYS ? Number(env.DATAFLY_LOG_RETENTION_DAYS) : undefined,
  rateLimitScale: env.DATAFLY_RATE_LIMIT_SCALE ? Number(env.DATAFLY_RATE_LIMIT_SCALE) : undefined,
  logger,
});

const lines = [
  '',
  `Datafly reference host with the Heap plugin: ${host.url}`,
  `  Integration Library page: ${host.url}/`,
  `  Management API:           ${host.url}/v1/admin   (admin token: ${host.adminToken})`,
  `  Ingestion:                ${host.url}/v1/batch   (pipeline key: ${host.pipelineKey})`,
  `  Data directory:           ${dataDir}`,
];
if (sandbox) {
  lines.push(
    `  Heap sandbox:             ${sandbox.url}   (app_id ${sandboxAppId}, API key in ${sandboxKeyFile})`,
    '',
    'Install Heap against the sandbox:',
    `  curl -X POST ${host.url}/v1/admin/integration-catalog/heap/install \\`,
    `    -H "Authorization: Bearer ${host.adminToken}" -H "Content-Type: application/json" \\`,
    `    -d '{"name": "Heap", "variant": "default", "config": {"app_id": "${sandboxAppId}", "api_key": "'"$(cat ${sandboxKeyFile})"'", "endpoint": "${sandbox.url}"}, "delivery_mode": "server_side"}'`,
  );
}
lines.push(
  '',
  'Send an event:',
  `  curl -X POST ${host.url}/v1/t -H "Authorization: Bearer ${host.pipelineKey}" -H "Content-Type: application/json" \\`,
  `    -d '{"event": "Product Viewed", "anonymousId": "anon-1", "properties": {"sku": "RUN-42", "price": 89.9}}'`,
  '',
);
console.log(lines.join('\n'));

if (args.demo) {
  if (!sandbox) throw new Error('--demo needs the Heap sandbox (unset HEAP_SANDBOX=off)');
  const target = { hostUrl: host.url, adminToken: host.adminToken, pipelineKey: host.pipelineKey, sandboxUrl: sandbox.url, appId: sandboxAppId, apiKey: sandboxApiKey };
  const id = await ensureHeapInstalled(target);
  const accepted = await sendDemoSession(target);
  await host.scheduler.idle();
  const stats = sandbox.stats();
  console.log(
    [
      `Demo: installed ${id}, sent ${accepted} events; Heap sandbox received ${stats.requests} requests (${stats.events_accepted} events, ${stats.users} users, ${stats.accounts} accounts, ${stats.merges} merges).`,
      `  Delivery logs:  curl -H "Authorization: Bearer ${host.adminToken}" ${host.url}/v1/admin/integrations/${id}/delivery-logs`,
      `  Heap requests:  curl ${sandbox.url}/__sandbox/requests`,
      `  Page:           ${host.url}/#/integrations/${id}`,
      '',
    ].join('\n'),
  );
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await host.stop();
    await sandbox?.stop();
    process.exit(0);
  });
}
