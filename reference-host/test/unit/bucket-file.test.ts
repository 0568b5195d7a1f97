import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@datafly/heap-integration/contract';
import { SQLITE_FILE } from '../../src/host/store/engine.js';
import { Store } from '../../src/host/store/store.js';
import { BUCKET_FILE, openBucketFile } from '../../src/common/pacing/bucket-file.js';

const columns = (file: string) => {
  const sqlite = new Database(file, { readonly: true });
  try {
    return sqlite.pragma('table_info(rate_limit_buckets)');
  } finally {
    sqlite.close();
  }
};

describe('a bucket file (the backfill paces on it)', () => {
  it("holds the host's bucket table, column for column, and takes from it as the host does", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bucket-file-'));
    try {
      const store = await Store.open({ engine: 'sqlite', dataDir: join(dir, 'host') }, silentLogger);
      await store.close();
      const file = await openBucketFile(dir);
      const ask = { key: 'heap:events:1', capacity: 10, windowMs: 60_000, want: 4 };
      expect((await file.buckets.take([ask], 1000, 5000)).get(ask.key)?.granted).toBe(4);
      expect((await file.buckets.peek([ask.key], 1000, 5000)).get(ask.key)).toBe(6);
      await file.close();
      // Opened again, the file keeps what was spent.
      const again = await openBucketFile(dir);
      expect((await again.buckets.peek([ask.key], 1000, 5000)).get(ask.key)).toBe(6);
      await again.close();
      const hostColumns = columns(join(dir, 'host', SQLITE_FILE));
      expect(hostColumns).toHaveLength(9);
      expect(columns(join(dir, BUCKET_FILE))).toEqual(hostColumns);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
