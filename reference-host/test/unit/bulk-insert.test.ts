import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { BulkInsert } from '../../src/host/store/bulk-insert.js';

interface Db {
  items: { id: string; label: string | null; size: number };
}

describe('a multi-row INSERT compiled once per row count', () => {
  let db: Kysely<Db>;
  let compiles: number;
  const insert = (columns: readonly ('id' | 'label' | 'size')[]) =>
    new BulkInsert<Db['items'], { id: string }>(columns, (k: Kysely<Db>, rows) => {
      compiles++;
      return k.insertInto('items').values([...rows]).returning('id');
    });

  beforeEach(async () => {
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await db.schema.createTable('items').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('label', 'text').addColumn('size', 'integer').execute();
    compiles = 0;
  });

  afterEach(async () => {
    await db.destroy();
  });

  const stored = () => db.selectFrom('items').selectAll().orderBy('id').execute();

  it('reuses the statement of a row count with each batch’s own values, nulls included', async () => {
    const bulk = insert(['id', 'label', 'size']);
    const first = await bulk.run(db, 'sqlite', [
      { id: 'a', label: 'one', size: 1 },
      { id: 'b', label: null, size: 2 },
    ]);
    const second = await bulk.run(db, 'sqlite', [
      { id: 'c', label: null, size: 3 },
      { id: 'd', label: 'four', size: 4 },
    ]);
    await bulk.run(db, 'sqlite', [{ id: 'e', label: 'five', size: 5 }]);
    expect(first.rows.map((r) => r.id)).toEqual(['a', 'b']);
    expect(second.rows.map((r) => r.id)).toEqual(['c', 'd']);
    expect(await stored()).toEqual([
      { id: 'a', label: 'one', size: 1 },
      { id: 'b', label: null, size: 2 },
      { id: 'c', label: null, size: 3 },
      { id: 'd', label: 'four', size: 4 },
      { id: 'e', label: 'five', size: 5 },
    ]);
    // Two row counts, one compile each.
    expect(compiles).toBe(2);
  });

  it('runs a statement that binds other values than the rows’ as compiled, every time', async () => {
    // Columns named in another order than the rows hold them: the parameters would not line up.
    const bulk = insert(['size', 'label', 'id']);
    await bulk.run(db, 'sqlite', [{ id: 'a', label: 'one', size: 1 }]);
    await bulk.run(db, 'sqlite', [{ id: 'b', label: 'two', size: 2 }]);
    await bulk.run(db, 'sqlite', [{ id: 'c', label: null, size: 3 }]);
    expect(await stored()).toEqual([
      { id: 'a', label: 'one', size: 1 },
      { id: 'b', label: 'two', size: 2 },
      { id: 'c', label: null, size: 3 },
    ]);
    // One compile per call: nothing of the first was kept.
    expect(compiles).toBe(3);
  });
});
