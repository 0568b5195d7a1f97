import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startNodeProcess, type NodeProcess } from '../tools/processes.js';
import { startNullHeap } from './deliver.js';

export type Proc = NodeProcess;

export interface SandboxProcessOptions {
  limits: boolean;
  apiKey: string;
  /** Accept every app_id (the many-integrations benchmark installs twenty apps). */
  anyAppId?: boolean;
  /** How many requests and events it keeps for inspection (latency is read from them). */
  maxRecorded?: number;
}

/** The built sandbox (dist/), in its own process so its CPU is not the plugin's. */
export async function startSandboxProcess(options: SandboxProcessOptions): Promise<Proc> {
  const port = await freePort();
  const args = ['dist/sandbox/cli.js', '--port', String(port), '--max-recorded', String(options.maxRecorded ?? 2_000_000), '--max-raw-body-bytes', '0'];
  if (!options.limits) args.push('--no-limits');
  if (options.anyAppId) args.push('--any-app-id');
  return startNodeProcess(args, { HEAP_SANDBOX_API_KEY: options.apiKey }, `http://127.0.0.1:${port}`, '/__sandbox/stats');
}

export const BENCH_TOKENS = { admin: 'bench-admin-token-0123456789', pipeline: 'bench-pipeline-key-0123456789', secretKey: 'c'.repeat(64) };
export const BENCH_API_KEY = 'bench-sandbox-key';

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

/** A fresh PostgreSQL database on the machine's server, dropped by `drop`. */
export async function benchDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export type Engine = 'sqlite' | 'postgres';

export interface Cluster {
  engine: Engine;
  sandbox: Proc;
  hosts: Proc[];
  integrations: string[];
  /** The PostgreSQL database the instances share (undefined on SQLite). */
  databaseUrl?: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  engine: Engine;
  instances?: number;
  env?: Record<string, string>;
  sandbox?: Partial<SandboxProcessOptions>;
  /** App ids to install Heap for, one integration each (default one, the sandbox's). */
  appIds?: string[];
  installExtra?: Record<string, unknown>;
  nodeArgs?: string[];
  /** Deliver to a Heap that answers 200 to everything (bench/deliver.ts) instead of the sandbox. */
  nullHeap?: boolean;
}

/** A sandbox, `instances` built hosts on one store (SQLite: one instance only), Heap installed once per app id. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const sandbox = options.nullHeap ? await startNullHeap() : await startSandboxProcess({ limits: false, apiKey: BENCH_API_KEY, ...options.sandbox });
  const dataDir = mkdtempSync(join(tmpdir(), 'datafly-bench-'));
  const database = options.engine === 'postgres' ? await benchDatabase(`datafly_bench_${process.pid}`) : undefined;
  const hosts: Proc[] = [];
  try {
    const count = options.engine === 'sqlite' ? 1 : (options.instances ?? 1);
    hosts.push(
      ...(await Promise.all(
        Array.from({ length: count }, (_, i) =>
          startHostProcess(join(dataDir, String(i)), { ...(database ? { DATABASE_URL: database.url } : {}), DATAFLY_INSTANCE_ID: `bench-${i + 1}`, ...options.env }, options.nodeArgs),
        ),
      )),
    );
    const integrations: string[] = [];
    for (const appId of options.appIds ?? ['1234567890']) {
      const installed = await json(`${hosts[0].url}/v1/admin/integration-catalog/heap/install`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_TOKENS.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Heap ${appId}`, config: { app_id: appId, api_key: BENCH_API_KEY, endpoint: sandbox.url, ...options.installExtra } }),
      });
      integrations.push(installed.id);
    }
    // Every instance takes events for every integration before the clock starts.
    await until(async () => (await Promise.all(hosts.map((h) => queuedFor(h)))).every((n) => n === integrations.length), 10_000, 'every instance sees the integrations');
    return {
      engine: options.engine,
      databaseUrl: database?.url,
      sandbox,
      hosts,
      integrations,
      async stop() {
        for (const h of hosts) await h.stop().catch(() => undefined);
        await sandbox.stop().catch(() => undefined);
        await database?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const h of hosts) await h.stop().catch(() => undefined);
    await sandbox.stop().catch(() => undefined);
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** How many integrations an instance queues events for now (an empty batch would say nothing). */
async function queuedFor(host: Proc): Promise<number> {
  const answer = await json(`${host.url}/v1/t`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_TOKENS.pipeline}`, 'content-type': 'application/json' },
    body: JSON.stringify({ event: 'Bench Warm-up', userId: 'bench-warm-up' }),
  });
  return answer.queued_for_integrations;
}

export async function json(url: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Posts events to /v1/batch in requests of `size`, `parallel` requests at a time, round-robin over the hosts. */
export async function ingest(hosts: Proc | Proc[], events: readonly Record<string, unknown>[], parallel = 2, size = 1000): Promise<void> {
  const targets = Array.isArray(hosts) ? hosts : [hosts];
  let next = 0;
  let request = 0;
  const worker = async () => {
    while (next < events.length) {
      const batch = events.slice(next, next + size);
      next += size;
      const host = targets[request++ % targets.length];
      const answer = await json(`${host.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_TOKENS.pipeline}`, 'content-type': 'application/json' },
        body: JSON.stringify({ batch }),
      });
      if (answer.accepted !== batch.length) throw new Error(`ingestion refused ${batch.length - answer.accepted} events: ${JSON.stringify(answer.rejected.slice(0, 3))}`);
    }
  };
  await Promise.all(Array.from({ length: parallel * targets.length }, worker));
}

/** Events still waiting for an integration, read from the shared store through any instance. */
export async function waiting(host: Proc, integrationId: string): Promise<number> {
  const overview = await json(`${host.url}/v1/admin/integrations/${integrationId}/overview`, { headers: { authorization: `Bearer ${BENCH_TOKENS.admin}` } });
  return overview.queue.waiting;
}

export async function sandboxStats(sandbox: Proc): Promise<{ unique_idempotency_keys: number; requests: number; by_status: Record<string, number>; events_accepted: number; users: number }> {
  return json(`${sandbox.url}/__sandbox/stats`);
}

/** Acceptance → arrival at the sandbox (ms) of every track event it recorded (events sent without a timestamp carry the host's). */
export async function latencies(sandbox: Proc): Promise<number[]> {
  const recorded = (await json(`${sandbox.url}/__sandbox/events`)) as { timestamp: string; received_at: number }[];
  return recorded.map((e) => e.received_at - Date.parse(e.timestamp)).sort((a, b) => a - b);
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(proc: Proc): number {
  const fields = readFileSync(`/proc/${proc.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy and total CPU time of the whole machine so far (jiffies, from /proc/stat): all processes, all cores. */
export function machineCpu(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = fields[3] + fields[4];
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** CPU seconds used so far by every process whose command is `name` (the PostgreSQL server's). */
export function processesCpuSeconds(name: string): number {
  let seconds = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes(`(${name})`)) continue;
      const fields = stat.split(') ')[1].split(' ');
      seconds += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  return seconds;
}

export const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
