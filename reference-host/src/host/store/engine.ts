import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type Migration, type SqliteDialectConfig } from 'kysely';
import type { Logger } from '@datafly/heap-integration/contract';
import { StartupError } from '../errors.js';
import { migrations } from './migrations.js';
import type { Engine, HostDatabase } from './schema.js';

export type { Engine } from './schema.js';

/** Where the host keeps its state: an embedded SQLite file (one process) or PostgreSQL (any number). */
export type StoreLocation =
  | { engine: 'sqlite'; dataDir: string; /** Accept an existing file that holds no schema (and create it). */ initialise?: boolean }
  | { engine: 'postgres'; url: string; poolSize?: number };

export interface OpenedDatabase {
  engine: Engine;
  db: Kysely<HostDatabase>;
  /** "SQLite at /data/host.sqlite", "PostgreSQL at db.internal:5432/datafly": never a password. */
  description: string;
}

export const SQLITE_FILE = 'host.sqlite';

/** Opens the engine, checks it is ours and reachable, and migrates it to this version's schema. */
export async function openDatabase(location: StoreLocation, logger: Logger): Promise<OpenedDatabase> {
  const opened = location.engine === 'sqlite' ? openSqlite(location.dataDir, location.initialise ?? false) : await openPostgres(location.url, location.poolSize ?? 10, logger);
  try {
    await migrate(opened);
  } catch (error) {
    await opened.db.destroy();
    throw error;
  }
  return opened;
}

function openSqlite(dataDir: string, initialise: boolean): OpenedDatabase {
  // The queue holds every event's payload: owner-only, like the secret key beside it.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const file = join(dataDir, SQLITE_FILE);
  const existed = existsSync(file);
  const emptyFile = existed && statSync(file).size === 0;
  const description = `SQLite at ${file}`;
  let sqlite: Database.Database;
  try {
    // Looked at read-only first: a file that is refused is left exactly as it was found.
    if (existed && !initialise && !holdsHostSchema(file)) {
      const what = emptyFile ? 'is empty (0 bytes)' : 'holds no host schema';
      throw new StartupError(
        `The database file ${file} ${what}: it may have been truncated or replaced, and starting on it would begin with no integrations and no queue. Restore it from a backup, or set DATAFLY_INIT_DATABASE=1 to initialise it as a new, empty host database.`,
      );
    }
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(sqliteOpenProblem(file, error));
  }
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
  // Commits wait for the disk only where a transaction asks to (Store.transaction, durability 'full').
  sqlite.pragma('synchronous = NORMAL');
  // A checkpoint copies the WAL's pages back into the file. The queue writes and deletes the same pages
  // over and over: checkpointing every 64 MB instead of SQLite's 4 MB writes each of them back once, not
  // many times; the file is cut back to 64 MB after.
  sqlite.pragma('wal_autocheckpoint = 16384');
  sqlite.pragma('journal_size_limit = 67108864');
  return { engine: 'sqlite', db: new Kysely<HostDatabase>({ dialect: new ImmediateSqliteDialect({ database: new StatementCache(sqlite) }) }), description };
}

/**
 * Transactions that take SQLite's write lock when they begin. With the delivery thread the file has
 * two connections; a transaction begun deferred that reads and then writes fails at once (SQLITE_BUSY,
 * no waiting) if the other connection committed in between, where one begun immediate waits its turn.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

function holdsHostSchema(file: string): boolean {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'integrations'`).pluck().get() !== undefined;
  } finally {
    sqlite.close();
  }
}

/**
 * better-sqlite3 behind Kysely, with its prepared statements kept: Kysely prepares every query anew,
 * and a 500-row insert costs more to prepare than to run. A query's SQL text depends on its shape (and,
 * for multi-row inserts and IN lists, on their length), so a small cache keyed by it, least recently used
 * out first, keeps the statements the host runs again and again.
 */
class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly sqlite: Database.Database,
    private readonly max = 256,
  ) {}

  prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      // Least recently used goes first: multi-row inserts of many sizes must not evict the hot statements.
      this.statements.delete(sql);
    } else {
      statement = this.sqlite.prepare(sql);
      if (this.statements.size >= this.max) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, statement);
    return statement;
  }

  close(): void {
    this.statements.clear();
    this.sqlite.close();
  }
}

/** SQLite's words for a damaged file, turned into what an operator can do about it. */
export function sqliteOpenProblem(file: string, error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return `The database file ${file} is corrupt (${code}): stop the host, restore the file from a backup (or move it aside to start empty), then start again.`;
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return `The database file ${file} cannot be opened for writing (${code}): check that DATA_DIR exists and belongs to the user running the host.`;
  }
  return `The database file ${file} could not be opened: ${error instanceof Error ? error.message : String(error)}`;
}

async function openPostgres(url: string, poolSize: number, logger: Logger): Promise<OpenedDatabase> {
  const target = describePostgres(url);
  // Loaded only in PostgreSQL mode: the embedded SQLite start does not pay for it.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // Times and counts are bigint columns; every one of them fits a double exactly.
    types: { getTypeParser: (oid: number, format?: any) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) } as never,
  });
  // A connection that dies (PostgreSQL restarted) is an event, not a crash: idle ones report on the
  // pool, checked-out ones on their client (their query fails; the pool discards them and reconnects).
  pool.on('error', (error) => logger.warn('a PostgreSQL connection was lost; the pool reconnects', { error: error.message }));
  pool.on('connect', (client) => client.on('error', (error) => logger.warn('a PostgreSQL connection in use was lost; its query fails and is tried again', { error: error.message })));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StartupError(`PostgreSQL at ${target} did not accept a connection (${postgresProblem(error)}): check DATABASE_URL and that the server runs.`);
  }
  return { engine: 'postgres', db: new Kysely<HostDatabase>({ dialect: new PostgresDialect({ pool }) }), description: `PostgreSQL at ${target}` };
}

/** host:port/database of a postgres:// URL; the user's password never appears. */
export function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(an unreadable DATABASE_URL)';
  }
}

function postgresProblem(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message ?? ''}`.trim() : (e.message ?? String(error));
}

async function migrate({ engine, db, description }: OpenedDatabase): Promise<void> {
  const known: Record<string, Migration> = migrations(engine);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => known } });
  const { error } = await migrator.migrateToLatest();
  if (!error) return;
  const message = error instanceof Error ? error.message : String(error);
  const missing = /previously executed migration (\S+) is missing/.exec(message);
  if (missing) {
    const latest = Object.keys(known).sort().at(-1);
    throw new StartupError(
      `The database (${description}) has schema version ${missing[1]}, newer than this host knows (up to ${latest}): run the newer host version, or point this one at another database.`,
    );
  }
  throw new StartupError(`Migrating the database (${description}) failed: ${message}`);
}

/** Ids per `IN (...)` list: well under both engines' limit on bound parameters. */
export const ID_CHUNK = 1000;
