import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

/**
 * A multi-row INSERT that Kysely compiles once per row count and that then runs with each batch's
 * values as parameters. Kysely builds a tree node for every value and compiles it anew on every call,
 * which for a 500-row insert cost more than SQLite running it. The SQL stays Kysely's: the first
 * compile of each row count is checked to take exactly the rows' values, column by column and row
 * by row; a statement that binds anything else is never reused, only run as compiled.
 */
export class BulkInsert<Row extends Record<string, unknown>, Out> {
  /** By engine and row count: one process may hold stores of both engines (the tests do). */
  private readonly texts = new Map<string, string | null>();

  constructor(
    private readonly columns: readonly (keyof Row & string)[],
    private readonly build: (db: Kysely<any>, rows: readonly Row[]) => Compilable<Out>,
  ) {}

  run(db: Kysely<any>, engine: string, rows: readonly Row[]): Promise<QueryResult<Out>> {
    const parameters: unknown[] = new Array(rows.length * this.columns.length);
    let i = 0;
    for (const row of rows) for (const column of this.columns) parameters[i++] = row[column];
    const key = `${engine}:${rows.length}`;
    let text = this.texts.get(key);
    if (text === undefined) {
      const compiled = this.build(db, rows).compile();
      const same = compiled.parameters.length === parameters.length && compiled.parameters.every((p, k) => p === parameters[k]);
      this.texts.set(key, (text = same ? compiled.sql : null));
      if (!same) return db.executeQuery(compiled);
    }
    if (text === null) return db.executeQuery(this.build(db, rows).compile());
    return db.executeQuery(CompiledQuery.raw(text, parameters) as CompiledQuery<Out>);
  }
}
