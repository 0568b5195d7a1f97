import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Container } from 'inversify';
import { heapModule } from '@datafly/heap-integration';
import { demoReport, startBanner, USAGE, type Started } from './banner.js';
import { ensureHeapInstalled, sendDemoSession } from './demo.js';
import { readEnvironment, type Environment } from './environment.js';
import { StartupError } from './host/errors.js';
import { startHost, type Host } from './host/host.js';
import { JsonLogger, stdoutSink } from './host/logger.js';
import type { HostOptions } from './host/options.js';
import { readOrCreate } from './host/secrets.js';
import { keepHeapNearLiveSet } from './memory-tuning.js';
import { HeapSandbox } from './sandbox/server.js';
import { RetryPolicy } from './common/retry-policy.js';

/**
 * `npm start`: the composition root. The only place that knows both the host and the Heap plugin:
 * it loads heapModule into the container the host reads its plugins from.
 */

let args: { demo: boolean; help: boolean };
try {
  args = parseArgs({ options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } }).values as typeof args;
} catch (error) {
  fail([`${(error as Error).message} (npm start accepts --demo and --help)`]);
}
if (args.help) {
  process.stdout.write(USAGE);
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
if (env.HEAP_SANDBOX === 'on') sandbox = await startSandbox(env, sandboxApiKey);

const container = new Container();
container.load(heapModule);
try {
  host = await startHost({ ...hostOptions(env, dataDir), container, logger });
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
const shown: Started = { host: started, env, dataDir, sandbox: sandbox && { server: sandbox, appId: sandboxAppId, keyFile: sandboxKeyFile }, demo: args.demo };
console.log(startBanner(shown));

if (args.demo) {
  if (!shown.sandbox) fail(['--demo needs the Heap sandbox: unset HEAP_SANDBOX=off']);
  const target = { hostUrl: started.url, adminToken: started.adminToken, pipelineKey: started.pipelineKey, sandboxUrl: shown.sandbox.server.url, appId: sandboxAppId, apiKey: sandboxApiKey };
  const id = await ensureHeapInstalled(target);
  const accepted = await sendDemoSession(target);
  await started.delivery.drained();
  console.log(demoReport({ ...shown, sandbox: shown.sandbox }, id, accepted));
}

function fail(lines: string[]): never {
  for (const line of lines) process.stderr.write(`error: ${line}\n`);
  process.exit(1);
}

/** The Heap sandbox beside the host, or one line saying why its port is not free. */
async function startSandbox(env: Environment, apiKey: string): Promise<HeapSandbox> {
  try {
    return await new HeapSandbox({ port: env.HEAP_SANDBOX_PORT, credentials: [{ app_id: env.HEAP_SANDBOX_APP_ID, api_key: apiKey }] }).start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const lines = [`HEAP_SANDBOX_PORT=${env.HEAP_SANDBOX_PORT}: the port is already in use on 127.0.0.1 (another npm start?): stop what listens there, set HEAP_SANDBOX_PORT to a free port, or HEAP_SANDBOX=off`];
      // Another npm start holds both ports: say so at once rather than one failed start per port.
      if (!(await portIsFree(env.PORT))) lines.push(`PORT=${env.PORT}: the port is already in use on 127.0.0.1 too: stop what listens there or set PORT to a free port`);
      fail(lines);
    }
    throw error;
  }
}

function portIsFree(port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

/** The host's options as the environment sets them (docs/reference-host.md, section Configuration). */
function hostOptions(env: Environment, dataDir: string): Omit<HostOptions, 'container'> {
  return {
    store: env.DATABASE_URL ? { engine: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE } : { engine: 'sqlite', dataDir, initialise: env.DATAFLY_INIT_DATABASE === '1' },
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
    // The thread loads the same plugin module the container below is given.
    ...(env.DATAFLY_DELIVERY_THREAD === 'on' ? { deliveryThread: { plugins: [{ module: '@datafly/heap-integration', export: 'heapModule' }] } } : {}),
    batchWaitMs: env.DATAFLY_BATCH_WAIT_MS,
    leaseMs: env.DATAFLY_LEASE_MS,
    configPollMs: env.DATAFLY_CONFIG_POLL_MS,
    maxBodyBytes: env.DATAFLY_MAX_BODY_BYTES,
    maxConcurrentBodies: env.DATAFLY_MAX_CONCURRENT_BODIES,
    bodyTimeoutMs: env.DATAFLY_BODY_TIMEOUT_MS,
    logRetentionDays: env.DATAFLY_LOG_RETENTION_DAYS,
  };
}
