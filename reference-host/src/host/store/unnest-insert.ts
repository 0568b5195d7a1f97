import { sql, type Kysely, type QueryResult } from 'kysely';

/** A column as its array is typed for PostgreSQL's unnest. */
export interface UnnestColumn<Row> {
  name: keyof Row & string;
  type: 'text' | 'integer' | 'bigint';
}

/**
 * Rows into a PostgreSQL table as one array per column, unnested in the rows' order. A multi-row
 * VALUES list binds a parameter per cell, each serialised by the client and read by the server, which
 * plans the statement anew for every row count; one array per column costs a fraction of that on both
 * sides, whatever the number of rows. For short values (ids, numbers): the client escapes every
 * character of an array's text, which for long texts full of quotes (a payload's JSON) costs more than
 * the parameters saved. `tail` follows the insert as written (`on conflict …`,
 * `returning …`). Table, column and type names are the caller's constants, never input.
 */
export function unnestInsert<Row extends Record<string, unknown>, Out = unknown>(table: string, columns: readonly UnnestColumn<Row>[], tail = '') {
  const names = columns.map((c) => c.name).join(', ');
  const picked = columns.map((c) => `t.${c.name}`).join(', ');
  return (db: Kysely<any>, rows: readonly Row[]): Promise<QueryResult<Out>> => {
    const arrays = columns.map((c) => sql`${rows.map((row) => row[c.name] ?? null)}::${sql.raw(c.type)}[]`);
    return sql<Out>`insert into ${sql.raw(table)} (${sql.raw(names)}) select ${sql.raw(picked)} from unnest(${sql.join(arrays)}) with ordinality as t(${sql.raw(names)}, position) order by t.position ${sql.raw(tail)}`.execute(db);
  };
}
