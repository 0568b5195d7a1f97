import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { NodeProcess } from '../../tools/processes.js';
import { call, CLUSTER_TOKENS, startInstance, startSandboxProcess } from '../helpers/cluster.js';
import { createPostgresDatabase } from '../helpers/engines.js';
import { waitFor } from '../helpers/conditions.js';
import { FULL_SCALE, printFigures } from '../helpers/figures.js';

/**
 * Cluster mode as an operator runs it: separate host processes (the built `dist/start.js`) on one
 * PostgreSQL database, a standalone Heap sandbox enforcing Heap's limits (windows scaled on both sides).
 */
const figures: Record<string, string | number>[] = [];
afterAll(() => printFigures('Cluster (host processes on one PostgreSQL, Heap sandbox with its limits on)', figures));

const SCALE = 0.05; // a minute of Heap's limits lasts 3 s
const LONG = 300_000;

describe('cluster', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let processes: NodeProcess[] = [];
  beforeEach(async () => {
    database = await createPostgresDatabase('datafly_cluster');
    processes = [];
  });
  afterEach(async () => {
    for (const p of processes) await p.kill();
    await database?.drop();
  });
  const instances = (n: number, env: Record<string, string> = {}) =>
    Promise.all(Array.from({ length: n }, (_, i) => startInstance(database.url, { DATAFLY_INSTANCE_ID: `host-${i + 1}`, ...env }))).then((started) => {
      processes.push(...started);
      return started;
    });

  it('three instances started at once on an empty database all come up, and the schema is migrated once', async () => {
    const started = await instances(3);
    for (const [i, instance] of started.entries()) {
      expect((await call(instance, 'GET', '/health')).body).toMatchObject({ status: 'ok', engine: 'postgres', instance_id: `host-${i + 1}`, database: 'ok' });
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      expect((await client.query('SELECT name FROM kysely_migration ORDER BY name')).rows.map((r) => r.name)).toEqual(['0001_initial', '0002_cluster_and_operator_views', '0003_oldest_waiting_and_key_check', '0004_data_quality', '0005_event_payloads', '0006_log_revision']);
    } finally {
      await client.end();
    }
  }, LONG);

  it('an install, disable, enable and delete answered on one instance route the next event on every instance; a rename reaches every instance', async () => {
    const sandbox = await startSandboxProcess({ limits: false });
    processes.push(sandbox);
    const [a, b, c] = await instances(3);
    const installed = await call(a, 'POST', '/v1/admin/integration-catalog/heap/install', { name: 'Heap', config: { app_id: '1234567890', api_key: 'cluster-sandbox-key', endpoint: sandbox.url } });
    const id = installed.body.id;
    const takes = async (instance: NodeProcess) => (await call(instance, 'POST', '/v1/t', { event: 'Probe', userId: 'u' }, CLUSTER_TOKENS.pipeline)).body.queued_for_integrations;
    // No waiting: what a change answered holds for the very next event, whichever instance takes it.
    expect([await takes(b), await takes(c)]).toEqual([1, 1]);
    await call(c, 'PATCH', `/v1/admin/integrations/${id}`, { enabled: false });
    expect([await takes(a), await takes(b)]).toEqual([0, 0]);
    await call(a, 'PATCH', `/v1/admin/integrations/${id}`, { enabled: true });
    expect([await takes(b), await takes(c)]).toEqual([1, 1]);

    const rows: Record<string, string | number>[] = [];
    await call(b, 'PATCH', `/v1/admin/integrations/${id}`, { name: 'Heap (renamed on host-2)' });
    const started = Date.now();
    await waitFor(async () => (await call(c, 'GET', `/v1/admin/integrations/${id}`)).body.name === 'Heap (renamed on host-2)', { what: 'the rename seen on host-3' });
    rows.push({ change: 'rename on host-2', 'seen on host-3 after ms': Date.now() - started });
    printFigures('Config changes across three instances', rows);

    await call(b, 'DELETE', `/v1/admin/integrations/${id}`);
    expect([await takes(a), await takes(c)]).toEqual([0, 0]);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM queue WHERE integration_id = $1', [id])).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  }, LONG);

  it('delivers every event sent to any instance from the moment an install on another answered', async () => {
    const sandbox = await startSandboxProcess({ limits: false });
    processes.push(sandbox);
    const cluster = await instances(3);
    const installed = await call(cluster[0], 'POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: '1234567890', api_key: 'cluster-sandbox-key', endpoint: sandbox.url } });
    expect(installed.status).toBe(201);
    const sent: string[] = [];
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) => {
        const batch = Array.from({ length: 100 }, (_, j) => ({ type: 'track', event: 'Right After Install', userId: `user-${j % 17}`, messageId: `after-install-${n}-${j}`, properties: { n, j } }));
        sent.push(...batch.map((e) => e.messageId));
        return call(cluster[n % 3], 'POST', '/v1/batch', { batch }, CLUSTER_TOKENS.pipeline);
      }),
    );
    expect(answers.map((a) => [a.status, a.body.accepted, a.body.queued_for_integrations])).toEqual(answers.map(() => [200, 100, 1]));
    const stats = async () => (await fetch(`${sandbox.url}/__sandbox/stats`)).json() as Promise<{ unique_idempotency_keys: number }>;
    await waitFor(async () => (await stats()).unique_idempotency_keys === sent.length, { what: 'every event at Heap' });
  }, LONG);

  it(`delivers ${FULL_SCALE ? '100,000' : '20,000'} events through three instances, one SIGKILLed halfway and never restarted: every event once per key, zero 429s`, async () => {
    const events = FULL_SCALE ? 100_000 : 20_000;
    const sandbox = await startSandboxProcess({ scale: SCALE });
    processes.push(sandbox);
    // Heap takes 300 ms a track request, so every instance has batches in flight when one is killed.
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/api/track', latency_ms: 300 }) });
    const env = { DATAFLY_RATE_LIMIT_SCALE: String(SCALE), DATAFLY_DELIVERY_CONCURRENCY: '2', DATAFLY_LEASE_MS: '2000', DATAFLY_RETRY_SCHEDULE_MS: '200,400,800,1600', DATAFLY_CONFIG_POLL_MS: '200' };
    const cluster = await instances(3, env);
    const installed = await call(cluster[0], 'POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: '1234567890', api_key: 'cluster-sandbox-key', endpoint: sandbox.url } });
    expect(installed.status).toBe(201);
    const id = installed.body.id;
    await waitFor(async () => (await Promise.all(cluster.map((i) => call(i, 'POST', '/v1/t', { event: 'Warm', userId: 'warm', messageId: `warm-${i.url}` }, CLUSTER_TOKENS.pipeline)))).every((r) => r.body.queued_for_integrations === 1), { what: 'every instance sees Heap' });

    const started = Date.now();
    const sent = new Set<string>([...cluster.map((i) => `warm-${i.url}`)]);
    // Round-robin across the instances, 500 events a request; 997 users, mostly track and page.
    for (let i = 0, n = 0; i < events; i += 500, n++) {
      const batch = Array.from({ length: Math.min(500, events - i) }, (_, j) => {
        const k = i + j;
        const messageId = `cluster-${k}`;
        sent.add(messageId);
        return k % 10 === 0
          ? { type: 'page', anonymousId: `anon-${k % 997}`, messageId, context: { page: { url: `https://shop.example.com/${k}` } } }
          : { type: 'track', event: 'Clustered', userId: `user-${k % 997}`, messageId, properties: { k } };
      });
      const answer = await call(cluster[n % 3], 'POST', '/v1/batch', { batch }, CLUSTER_TOKENS.pipeline);
      expect(answer.body.accepted).toBe(batch.length);
    }
    const stats = async () => (await fetch(`${sandbox.url}/__sandbox/stats`)).json() as Promise<{ unique_idempotency_keys: number; duplicates: number; by_status: Record<string, number>; rate_limited: Record<string, number>; requests: number }>;
    await waitFor(async () => (await stats()).unique_idempotency_keys >= sent.size / 2, { what: 'half delivered' });
    // Frozen first, so it cannot settle between the look at its claims and the kill: it dies holding some.
    const victim = cluster[1];
    const claimedBy = async (owner: string) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return Number((await client.query("SELECT count(*) AS n FROM queue WHERE state = 'inflight' AND lease_owner = $1", [owner])).rows[0].n);
      } finally {
        await client.end();
      }
    };
    let orphaned = 0;
    await waitFor(
      async () => {
        victim.child.kill('SIGSTOP');
        orphaned = await claimedBy('host-2');
        if (orphaned === 0) victim.child.kill('SIGCONT');
        return orphaned > 0;
      },
      { what: 'host-2 holding a claim' },
    );
    const atKill = (await stats()).unique_idempotency_keys;
    await victim.kill();
    await waitFor(async () => (await stats()).unique_idempotency_keys === sent.size, { what: 'every event at Heap', deadlineMs: 240_000 });
    const seconds = (Date.now() - started) / 1000;
    const final = await stats();
    const survivors = [cluster[0], cluster[2]];
    await waitFor(async () => (await call(survivors[0], 'GET', `/v1/admin/integrations/${id}/overview`)).body.queue.waiting === 0, { what: 'an empty queue' });
    const overview = (await call(survivors[0], 'GET', `/v1/admin/integrations/${id}/overview`)).body;
    // The dead instance's claims came back when their lease expired, taken over by a survivor.
    const reclaimed = survivors
      .flatMap((i) => i.output.join('').split('\n'))
      .filter((l) => l.includes('returned events whose instance stopped renewing its claim'))
      .reduce((n, l) => n + (JSON.parse(l) as { events: number }).events, 0);
    figures.push({
      events: sent.size,
      instances: 3,
      killed: `host-2 at ${atKill} delivered, holding ${orphaned} claimed`,
      'claims taken over': reclaimed,
      unique: final.unique_idempotency_keys,
      duplicates: final.duplicates,
      '429s': final.by_status[429] ?? 0,
      'Heap requests': final.requests,
      'dead letters': overview.queue.dead,
      seconds: seconds.toFixed(1),
    });
    expect(atKill).toBeLessThan(sent.size);
    expect(reclaimed).toBeGreaterThanOrEqual(orphaned);
    expect(final.unique_idempotency_keys).toBe(sent.size);
    expect(final.by_status[429]).toBeUndefined();
    expect(final.rate_limited).toEqual({});
    expect(overview.queue).toMatchObject({ waiting: 0, dead: 0 });
    for (const instance of survivors) expect(instance.child.exitCode).toBeNull();
  }, LONG);
});
