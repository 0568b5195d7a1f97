import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { StoreLocation } from '../../src/host/store/engine.js';
import { describePostgres, givenDatabaseUrl, LOCAL_POSTGRES_URL } from './test-database.js';

/** Every suite that touches the store runs on both engines: one suite, parametrised. */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type EngineName = (typeof ENGINES)[number];

/** The server the tests create their databases on: the run's, chosen or started by global-setup.ts. */
export const POSTGRES_ADMIN_URL = givenDatabaseUrl() ?? LOCAL_POSTGRES_URL;

/** A connection to the server, or one line saying it did not answer (in seconds, never a test's whole timeout). */
async function connectAdmin(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const failure = new Error(`PostgreSQL for the tests at ${describePostgres(POSTGRES_ADMIN_URL)} did not answer (${e.code ?? e.message}): see the README's test lines`);
    failure.stack = failure.message;
    throw failure;
  }
}

/** A database of its own for one test file or case, dropped after. */
export async function createPostgresDatabase(prefix = 'datafly_test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = await connectAdmin();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = await connectAdmin();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A fresh, empty place to keep a host's state on `engine`; `dispose` removes it. */
export async function freshLocation(engine: EngineName): Promise<{ location: StoreLocation; dataDir: string; databaseUrl?: string; dispose(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'datafly-store-'));
  if (engine === 'sqlite') {
    return { location: { engine, dataDir }, dataDir, dispose: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const database = await createPostgresDatabase();
  return {
    location: { engine, url: database.url, poolSize: 5 },
    dataDir,
    databaseUrl: database.url,
    async dispose() {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
