import type { ImportColumn, ImportTypeDefinition } from '../public/dependencies/import-processor.dependency';
import { ColumnMappingOverride, columnResolver } from './column-resolution';
import { FileRejectedError } from './file-rejected.error';

const ERROR_COLUMN = 'error';

/** Where each of the file's columns goes: its definition, by position in the file. */
export interface ColumnMapping {
  /** The header as it appears in the file (for the failed-rows file). */
  header: string[];
  columns: ImportColumn[];
}

/**
 * Checks a file's header against the type BEFORE any row is written: every required column
 * present, no unknown column, no column twice. Each file column finds its type column through
 * the upload's mapping, then the column names and aliases (column-resolution.ts); a column mapped
 * to null is skipped. All problems are reported at once.
 */
export function validateHeader(rawHeader: readonly unknown[], definition: ImportTypeDefinition, override: ColumnMappingOverride | null = null): ColumnMapping {
  const resolve = columnResolver(definition, override);
  const header = rawHeader.map((h) => (h === null || h === undefined ? '' : String(h)));
  /** Type column name → the file column (index, name) that feeds it. */
  const fed = new Map<string, { index: number; name: string }>();
  const problems: string[] = [];
  const unknown: string[] = [];
  const columns: ImportColumn[] = [];
  header.forEach((name, index) => {
    const key = name.trim();
    if (!key) {
      problems.push(`column ${index + 1} has an empty name`);
      return;
    }
    const resolved = resolve(key);
    // The failed-rows file adds an `error` column; it is ignored so that file can be re-uploaded.
    if (!resolved && key.toLowerCase() === ERROR_COLUMN) return;
    if (!resolved) {
      unknown.push(key);
      return;
    }
    if ('ignored' in resolved) return;
    const earlier = fed.get(resolved.column.name);
    if (earlier) {
      const same = earlier.name.toLowerCase() === key.toLowerCase();
      problems.push(
        same
          ? `duplicate column "${key}" (columns ${earlier.index + 1} and ${index + 1})`
          : `columns "${earlier.name}" and "${key}" (columns ${earlier.index + 1} and ${index + 1}) both map to "${resolved.column.name}"`,
      );
      return;
    }
    fed.set(resolved.column.name, { index, name: key });
    columns[index] = resolved.column;
  });
  if (unknown.length) {
    problems.push(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${truncate(u)}"`).join(', ')}`);
  }
  const missing = definition.columns.filter((c) => c.required && !fed.has(c.name)).map((c) => `"${c.name}"`);
  if (missing.length) problems.push(`missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (problems.length) {
    const single = header.length === 1 ? delimiterHint(header[0]) : '';
    throw new FileRejectedError(`invalid header: ${problems.join('; ')}${single}`);
  }
  return { header, columns };
}

/** Each file column → the column it feeds (null: ignored or the `error` column): a batch's `columnMapping`. */
export function fileColumnMapping(mapping: ColumnMapping): Record<string, string | null> {
  return Object.fromEntries(mapping.header.map((name, i) => [name, mapping.columns[i]?.name ?? null]));
}

function delimiterHint(only: string): string {
  for (const [sep, name] of [
    [';', 'semicolon'],
    ['\t', 'tab'],
    ['|', 'pipe'],
  ] as const) {
    if (only.includes(sep)) return ` (the header looks ${name}-delimited; Porter reads comma-separated CSV, RFC 4180)`;
  }
  return '';
}

const truncate = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
