import { CompiledQuery, type Kysely } from 'kysely';
import type { Engine } from '../../src/host/store/engine.js';

export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
  rows: Record<string, unknown>[];
}

/**
 * Records every query `db` runs from now on (outside transactions), with the rows it answered: the
 * host's store is reached through its one executor, so a test sees what a route or a loop really read.
 */
export function captureQueries(db: Kysely<any>): { queries: CapturedQuery[]; stop(): void } {
  const executor = db.getExecutor();
  const original = executor.executeQuery;
  const queries: CapturedQuery[] = [];
  executor.executeQuery = async function (this: typeof executor, compiled: CompiledQuery) {
    const result = await original.call(this, compiled);
    queries.push({ sql: compiled.sql, parameters: compiled.parameters, rows: result.rows as Record<string, unknown>[] });
    return result;
  } as typeof executor.executeQuery;
  return { queries, stop: () => void (executor.executeQuery = original) };
}

/**
 * What a read of `table` costs, from the engine itself: on SQLite the plan's steps on it (EXPLAIN
 * QUERY PLAN); on PostgreSQL the rows its scans examined when run (EXPLAIN ANALYZE: rows answered plus
 * rows read and thrown away by a filter, every loop).
 */
export async function readCost(db: Kysely<any>, engine: Engine, table: string, query: CapturedQuery): Promise<{ steps: string[]; examined: number }> {
  if (engine === 'sqlite') {
    const plan = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
    return { steps: plan.rows.map((r) => r.detail).filter((d) => d.includes(` ${table} `) || d.endsWith(` ${table}`)), examined: Number.NaN };
  }
  const plan = await db.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(CompiledQuery.raw(`explain (analyze, format json) ${query.sql}`, [...query.parameters]));
  const scans: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    if (node['Relation Name'] === table) scans.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan.rows[0]['QUERY PLAN'][0].Plan);
  return {
    steps: scans.map((s) => `${s['Node Type']} on ${table}${s['Index Name'] ? ` using ${s['Index Name']}` : ''}`),
    examined: scans.reduce((n, s) => n + (s['Actual Rows'] + (s['Rows Removed by Filter'] ?? 0) + (s['Rows Removed by Index Recheck'] ?? 0)) * s['Actual Loops'], 0),
  };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}
