import type { Pool } from 'pg';

/**
 * The tenant's next round for a job submitted inside a caller's transaction (ADR 052), taken in
 * a short transaction of its own: the tenant's row is not held until the caller commits (which
 * would queue every concurrent submit of that tenant), and a round the caller then rolls back
 * is only a gap. Losing it in a crash is harmless, so the commit does not wait for the disk.
 */
export async function reserveTenantRound(pool: Pool, tenant: string): Promise<string> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const results = (await client.query(
      `BEGIN; SET LOCAL synchronous_commit = off; SELECT job_queue.take_rounds(${client.escapeLiteral(tenant)}, 1) AS round; COMMIT`,
    )) as unknown as Array<{ rows: Array<{ round: string }> }>;
    return results[2].rows[0].round;
  } catch (error) {
    await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw error;
  } finally {
    client.release(broken);
  }
}
