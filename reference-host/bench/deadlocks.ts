import pg from 'pg';
import { syntheticEvents } from './events.js';
import { ingest, startCluster, waiting } from './processes.js';

/**
 * Three instances on one PostgreSQL with Heap's limits on (windows shortened 50×, so buckets are
 * taken, settled and swept every second), fed by 21 clients in 100-event requests of the synthetic
 * mix (many users, one identity bucket each): how many deadlocks PostgreSQL broke meanwhile, read
 * from pg_stat_database, and how many events still wait once the traffic stopped and delivery had
 * `settleMs` more.
 */
export async function clusterDeadlocks(events: number, settleMs = 10_000): Promise<{ events: number; seconds: number; deadlocks: number; waitingAfter: number }> {
  const cluster = await startCluster({ engine: 'postgres', instances: 3, env: { DATAFLY_RATE_LIMIT_SCALE: '0.02' } });
  const url = new URL(cluster.databaseUrl!);
  const name = url.pathname.slice(1);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  const deadlocks = async () => Number((await client.query('select deadlocks from pg_stat_database where datname = $1', [name])).rows[0].deadlocks);
  try {
    const before = await deadlocks();
    const started = performance.now();
    await ingest(cluster.hosts, syntheticEvents(events, 99).map(({ timestamp: _t, ...e }) => e), 7, 100);
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, settleMs));
    return { events, seconds, deadlocks: (await deadlocks()) - before, waitingAfter: await waiting(cluster.hosts[0], cluster.integrations[0]) };
  } finally {
    await client.end();
    await cluster.stop();
  }
}
