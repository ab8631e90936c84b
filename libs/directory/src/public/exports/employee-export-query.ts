// Rows stream through COPY as text: exact decimals ("1234.50"), zone-free days, 't'/'f' booleans.
const SELECT = `SELECT id::text, first_name, last_name, email, department, salary::text, to_char(hired_at, 'YYYY-MM-DD') AS hired_at, active, scope_id, notes
  FROM directory.employee`;

/**
 * The employee query of an export. Public so that the export benchmark's COPY floor reads exactly
 * the rows, columns and order an export reads (a floor over another query would measure something
 * else); it is SQL text only, no connection, so nothing internal leaks.
 */
export function employeeExportQuery(
  tenant: string,
  filters: { department?: string; active?: boolean; hiredAfter?: string },
  scopeIds?: readonly string[],
): { where: string; values: unknown[]; select: string } {
  const values: unknown[] = [tenant];
  let where = 'tenant = $1';
  if (scopeIds) {
    values.push([...scopeIds]);
    where += ` AND scope_id = ANY($${values.length}::text[])`;
  }
  if (filters.department !== undefined) {
    values.push(filters.department);
    where += ` AND department = $${values.length}`;
  }
  if (filters.active !== undefined) {
    values.push(filters.active);
    where += ` AND active = $${values.length}`;
  }
  if (filters.hiredAfter !== undefined) {
    values.push(filters.hiredAfter);
    where += ` AND hired_at > $${values.length}::date`;
  }
  // Ordered by id so a retry writes the same file, byte for byte.
  return { where, values, select: `${SELECT} WHERE ${where} ORDER BY id` };
}
