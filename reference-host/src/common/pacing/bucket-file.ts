import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { RateLimitBuckets, type BucketDatabase } from './rate-limit-buckets.js';

/** The file in the directory given that holds the buckets. */
export const BUCKET_FILE = 'buckets.sqlite';

export interface BucketFile {
  buckets: RateLimitBuckets;
  close(): Promise<void>;
}

/**
 * Rate-limit buckets in a SQLite file of their own, for a process that paces as the host does but
 * keeps no host store (the backfill). The table is the one the host's migrations create (a test holds
 * the two alike); here it is created when the file is new.
 */
export async function openBucketFile(dir: string): Promise<BucketFile> {
  const sqlite = new Database(join(dir, BUCKET_FILE));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<BucketDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await db.schema
      .createTable('rate_limit_buckets')
      .ifNotExists()
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('capacity', 'double precision', (c) => c.notNull())
      .addColumn('window_ms', 'double precision', (c) => c.notNull())
      .addColumn('tokens', 'double precision', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('wanted', 'double precision', (c) => c.notNull())
      .addColumn('granted', 'double precision', (c) => c.notNull())
      .addColumn('promised_until', 'double precision', (c) => c.notNull())
      .addColumn('full_take_at', 'bigint')
      .execute();
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { buckets: new RateLimitBuckets(db, 'sqlite'), close: () => db.destroy() };
}
