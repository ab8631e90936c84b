/**
 * Failed rows keep their cells (`source`) for the failed-rows file and for retries, and a row may
 * hold up to the record limit (1 MiB) of text: a page of them read by row count alone could hold
 * a gigabyte (1,000 such rows). A page of stored rows therefore ends at a budget of characters as
 * well as at a row count (ADR 105):
 * - the running sum of `source_length` (written with each result) decides, so the rows past the
 *   budget are never read from their TOAST storage, let alone sent;
 * - a row written before that column existed is measured from its JSON text;
 * - the first row of a page is always in it, whatever its length, so every page moves on.
 */
export const STORED_ROWS_PAGE_CHARS = 4 * 1024 * 1024;

/**
 * The SQL of one such page: `columns` of `imports.import_result` rows matching `where` (which may
 * use `$1`…), after `$afterParam` by row number, at most `$limitParam` rows and, past the first,
 * within `$budgetParam` characters of stored rows.
 */
export function storedRowsPageSql(columns: string, where: string, params: { after: number; limit: number; budget: number }): string {
  return `SELECT ${columns} FROM (
      SELECT r.*, sum(r.stored_length) OVER (ORDER BY r.row_number ROWS UNBOUNDED PRECEDING) AS stored_upto
        FROM (SELECT *, COALESCE(source_length, length(source::text), 0) AS stored_length
                FROM imports.import_result
               WHERE ${where} AND row_number > $${params.after}
               ORDER BY row_number LIMIT $${params.limit}) r
    ) page
   WHERE stored_upto - stored_length < $${params.budget}
   ORDER BY row_number`;
}
