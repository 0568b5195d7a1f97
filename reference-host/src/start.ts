import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Container } from 'inversify';
import { ensureHeapInstalled, sendDemoSession } from './demo.js';
import { readEnvironment } from './environment.js';
import { heapModule } from '@datafly/heap-integration';
import { keepHeapNearLiveSet } from './memory-tuning.js';
import { RetryPolicy } from './shared/retry-policy.js';
import { StartupError } from './host/errors.js';
import { startHost, type Host } from './host/host.js';
import { JsonLogger, stdoutSink } from './host/logger.js';
import { readOrCreate } from './host/secrets.js';
import { describePostgres } from './host/store/engine.js';
import { HeapSandbox } from './sandbox/server.js';

/**
 * `npm start`: the composition root. The only place that knows both the host and the Heap plugin:
 * it loads heapModule into the container the host reads its plugins from.
 */
/** `1 event`, `2 events`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function fail(lines: string[]): never {
  for (const line of lines) process.stderr.write(`error: ${line}\n`);
  process.exit(1);
}

let args: { demo: boolean; help: boolean };
try {
  args = parseArgs({ options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } }).values as typeof args;
} catch (error) {
  fail([`${(error as Error).message} (npm start accepts --demo and --help)`]);
}
if (args.help) {
  process.stdout.write(
    [
      'Usage: npm start [-- --demo]   (or: node reference-host/dist/start.js [--demo])',
      '',
      'Starts the reference host (Management API, ingestion, delivery, the page) and, unless HEAP_SANDBOX=off,',
      'a Heap sandbox beside it. --demo also installs Heap against the sandbox and sends a sample session.',
      'Configuration is by environment variable (PORT, DATA_DIR, DATABASE_URL, DATAFLY_*, HEAP_SANDBOX*):',
      'every one is listed in the README, section Configuration.',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
keepHeapNearLiveSet();
const read = readEnvironment(process.env);
if (!read.ok) fail(read.problems);
const env = read.settings;
const dataDir = resolve(env.DATA_DIR);
const logger = new JsonLogger(stdoutSink(), env.LOG_LEVEL);

let host: Host | undefined;
let sandbox: HeapSandbox | undefined;
// The last line of defence. A rejected promise nobody awaited is a bug in one task: log it and keep
// delivering (every accepted event is durable). An uncaught exception may have left state half-changed:
// log it, stop cleanly and exit 1 so a supervisor restarts the host on its intact store.
process.on('unhandledRejection', (reason) => {
  logger.error('unhandled rejection; the host keeps running', { error: reason instanceof Error ? reason.message : String(reason) });
});
/** Set by the first signal or uncaught exception: one stop, however many follow. */
let stopping = false;
process.on('uncaughtException', (error) => {
  logger.error('uncaught exception; the host stops', { error: error.message });
  if (stopping) return;
  stopping = true;
  void Promise.race([host?.stop(), new Promise((r) => setTimeout(r, 5000).unref())]).finally(() => process.exit(1));
});

try {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
} catch (error) {
  fail([`DATA_DIR=${JSON.stringify(env.DATA_DIR)}: cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
}

const sandboxAppId = env.HEAP_SANDBOX_APP_ID;
const sandboxKeyFile = join(dataDir, 'sandbox-api.key');
// Only an embedded sandbox needs a key: with HEAP_SANDBOX=off nothing is written for it.
const sandboxApiKey = env.HEAP_SANDBOX === 'on' ? readOrCreate(sandboxKeyFile, () => `sbx_${randomBytes(12).toString('hex')}`).value : '';
if (env.HEAP_SANDBOX === 'on') {
  try {
    sandbox = await new HeapSandbox({ port: env.HEAP_SANDBOX_PORT, credentials: [{ app_id: sandboxAppId, api_key: sandboxApiKey }] }).start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      fail([`HEAP_SANDBOX_PORT=${env.HEAP_SANDBOX_PORT}: the port is already in use on 127.0.0.1 (another npm start?): stop what listens there, set HEAP_SANDBOX_PORT to a free port, or HEAP_SANDBOX=off`]);
    }
    throw error;
  }
}

const container = new Container();
container.load(heapModule);
try {
  host = await startHost({
    container,
    store: env.DATABASE_URL
      ? { engine: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE }
      : { engine: 'sqlite', dataDir, initialise: env.DATAFLY_INIT_DATABASE === '1' },
    dataDir,
    port: env.PORT,
    host: env.HOST,
    adminToken: env.DATAFLY_ADMIN_TOKEN,
    pipelineKey: env.DATAFLY_PIPELINE_KEY,
    secretKey: env.DATAFLY_SECRET_KEY,
    instanceId: env.DATAFLY_INSTANCE_ID,
    retry: new RetryPolicy(env.DATAFLY_RETRY_SCHEDULE_MS, Math.random, env.DATAFLY_RETRY_AFTER_MAX_MS),
    rateLimits: env.DATAFLY_RATE_LIMITS === 'on',
    rateLimitScale: env.DATAFLY_RATE_LIMIT_SCALE,
    deliveryConcurrency: env.DATAFLY_DELIVERY_CONCURRENCY,
    batchWaitMs: env.DATAFLY_BATCH_WAIT_MS,
    leaseMs: env.DATAFLY_LEASE_MS,
    configPollMs: env.DATAFLY_CONFIG_POLL_MS,
    maxBodyBytes: env.DATAFLY_MAX_BODY_BYTES,
    maxConcurrentBodies: env.DATAFLY_MAX_CONCURRENT_BODIES,
    bodyTimeoutMs: env.DATAFLY_BODY_TIMEOUT_MS,
    logRetentionDays: env.DATAFLY_LOG_RETENTION_DAYS,
    logger,
  });
} catch (error) {
  await sandbox?.stop();
  if (error instanceof StartupError) fail([error.message]);
  throw error;
}

const started = host;
// Before anything is printed: whoever reads the banner may stop the host at once, and it must stop cleanly.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await started.stop();
    await sandbox?.stop();
    process.exit(0);
  });
}
const bearer = (name: 'DATAFLY_ADMIN_TOKEN' | 'DATAFLY_PIPELINE_KEY', file: string) => (env[name] ? `$${name}` : `$(cat ${join(dataDir, file)})`);
const adminAuth = bearer('DATAFLY_ADMIN_TOKEN', 'admin.token');
const pipelineAuth = bearer('DATAFLY_PIPELINE_KEY', 'pipeline.key');
const tokenLine = (what: string, value: string, generated: boolean, file: string, variable: string) =>
  generated ? `${what} ${value} (generated now, stored in ${join(dataDir, file)})` : `${what} from ${env[variable as 'DATAFLY_ADMIN_TOKEN'] ? variable : join(dataDir, file)}`;
const lines = [
  '',
  `Datafly reference host with the Heap plugin: ${started.url}   (instance ${started.instanceId})`,
  `  Storage:                  ${env.DATABASE_URL ? `PostgreSQL at ${describePostgres(env.DATABASE_URL)} (cluster mode)` : `SQLite in ${dataDir}`}`,
  `  Integration Library page: ${started.url}/`,
  `  Management API:           ${started.url}/v1/admin   (${tokenLine('admin token', started.adminToken, started.generated.adminToken, 'admin.token', 'DATAFLY_ADMIN_TOKEN')})`,
  `  Ingestion:                ${started.url}/v1/batch   (${tokenLine('pipeline key', started.pipelineKey, started.generated.pipelineKey, 'pipeline.key', 'DATAFLY_PIPELINE_KEY')})`,
  `  API description:          ${started.url}/v1/openapi.json`,
];
if (sandbox) {
  lines.push(
    `  Heap sandbox:             ${sandbox.url}   (app_id ${sandboxAppId}, API key in ${sandboxKeyFile}; its state lives in memory)`,
    `  What Heap received:       ${sandbox.url}/__sandbox/requests, /events, /users, /accounts, /merges, /deletions, /stats (faults: /__sandbox/faults)`,
  );
}
const heapInstalled = started.directory.list().some((i) => i.catalogKey === 'heap');
// --demo installs one itself below: printing the command too would invite a second.
if (sandbox && !heapInstalled && !args.demo) {
  lines.push(
    '',
    'Install Heap against the sandbox:',
    `  curl -X POST ${started.url}/v1/admin/integration-catalog/heap/install \\`,
    `    -H "Authorization: Bearer ${adminAuth}" -H "Content-Type: application/json" \\`,
    `    -d '{"name": "Heap", "variant": "default", "config": {"app_id": "${sandboxAppId}", "api_key": "'"$(cat ${sandboxKeyFile})"'", "endpoint": "${sandbox.url}"}, "delivery_mode": "server_side"}'`,
  );
}
lines.push(
  '',
  'Send an event:',
  `  curl -X POST ${started.url}/v1/t -H "Authorization: Bearer ${pipelineAuth}" -H "Content-Type: application/json" \\`,
  `    -d '{"event": "Product Viewed", "anonymousId": "anon-1", "properties": {"sku": "RUN-42", "price": 89.9}}'`,
  '',
);
console.log(lines.join('\n'));

if (args.demo) {
  if (!sandbox) fail(['--demo needs the Heap sandbox: unset HEAP_SANDBOX=off']);
  const target = { hostUrl: started.url, adminToken: started.adminToken, pipelineKey: started.pipelineKey, sandboxUrl: sandbox.url, appId: sandboxAppId, apiKey: sandboxApiKey };
  const id = await ensureHeapInstalled(target);
  const accepted = await sendDemoSession(target);
  await started.scheduler.drained();
  const stats = sandbox.stats();
  console.log(
    [
      `Demo: ${id} sent ${count(accepted, 'event')}; the Heap sandbox received ${count(stats.requests, 'request')} (${count(stats.events_accepted, 'event')}, ${count(stats.users, 'user')}, ${count(stats.accounts, 'account')}, ${count(stats.merges, 'merge')}).`,
      `  Delivery logs:  curl -H "Authorization: Bearer ${adminAuth}" ${started.url}/v1/admin/integrations/${id}/delivery-logs`,
      `  Heap requests:  curl ${sandbox.url}/__sandbox/requests`,
      `  Page:           ${started.url}/#/integrations/${id}`,
      '',
    ].join('\n'),
  );
}
