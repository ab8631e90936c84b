import type { Pool } from 'pg';

/**
 * Test support (exported by @porter/platform for the plan tests; Porter itself never calls it):
 * what a statement's plan read, to check that a query stays on the index it was written for
 * whatever the table holds (ADR 086, 087, 088).
 */

/** One scan of a relation in an executed plan. */
export interface PlanScan {
  relation: string;
  /** `Index Only Scan`, `Index Scan`, `Bitmap Heap Scan`, `Seq Scan`, … */
  type: string;
  index: string | null;
  /** Rows the scan returned plus the rows it read and dropped, over all its loops. */
  rowsRead: number;
  /** For an index-only scan, the table pages it still had to visit; null for other scans. */
  heapFetches: number | null;
}

/** The scans of `relation` in a plan of `EXPLAIN (ANALYZE, FORMAT JSON)` (its `Plan` node). */
export function planScans(plan: Record<string, unknown>, relation: string): PlanScan[] {
  const scans: PlanScan[] = [];
  const walk = (node: Record<string, unknown>) => {
    if (node['Relation Name'] === relation && node['Node Type'] !== 'ModifyTable') {
      scans.push({
        relation,
        type: node['Node Type'] as string,
        index: (node['Index Name'] as string | undefined) ?? null,
        rowsRead: ((node['Actual Rows'] as number) + ((node['Rows Removed by Filter'] as number | undefined) ?? 0)) * (node['Actual Loops'] as number),
        heapFetches: (node['Heap Fetches'] as number | undefined) ?? null,
      });
    }
    for (const child of (node.Plans as Array<Record<string, unknown>>) ?? []) walk(child);
  };
  walk(plan);
  return scans;
}

/** Runs `text` under `EXPLAIN (ANALYZE, FORMAT JSON)` (it executes: wrap writes in a transaction) and returns its scans of `relation`. */
export async function explainScans(pool: Pick<Pool, 'query'>, text: string, values: unknown[], relation: string): Promise<PlanScan[]> {
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
  return planScans(rows[0]['QUERY PLAN'][0].Plan, relation);
}

/** The statements `work` sent through `pool.query` whose text `matches`, with their values. */
export async function statementsSent(pool: Pool, matches: (text: string) => boolean, work: () => Promise<unknown>): Promise<Array<{ text: string; values: unknown[] }>> {
  const sent: Array<{ text: string; values: unknown[] }> = [];
  const query = pool.query;
  const recording = function (this: Pool, config: unknown, values?: unknown, ...rest: unknown[]) {
    const text = typeof config === 'string' ? config : (config as { text?: string } | null)?.text;
    if (text && matches(text)) sent.push({ text, values: (typeof config === 'string' ? values : (config as { values?: unknown[] }).values) as unknown[] ?? [] });
    return (query as (...args: unknown[]) => unknown).call(this, config, values, ...rest);
  };
  pool.query = recording as unknown as Pool['query'];
  try {
    await work();
  } finally {
    pool.query = query;
  }
  return sent;
}
