import type { ImportColumn, ImportTypeDefinition } from '../public/dependencies/import-processor.dependency';
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
 * present, no unknown column, no column twice. Names compare trimmed and case-insensitively.
 * All problems are reported at once.
 */
export function validateHeader(rawHeader: readonly unknown[], definition: ImportTypeDefinition): ColumnMapping {
  const byName = new Map(definition.columns.map((c) => [c.name.toLowerCase(), c]));
  const header = rawHeader.map((h) => (h === null || h === undefined ? '' : String(h)));
  const seen = new Map<string, number>();
  const problems: string[] = [];
  const unknown: string[] = [];
  const columns: ImportColumn[] = [];
  header.forEach((name, index) => {
    const key = name.trim().toLowerCase();
    if (!key) {
      problems.push(`column ${index + 1} has an empty name`);
      return;
    }
    if (seen.has(key)) problems.push(`duplicate column "${name.trim()}" (columns ${seen.get(key)! + 1} and ${index + 1})`);
    else seen.set(key, index);
    const column = byName.get(key);
    // The failed-rows file adds an `error` column; it is ignored so that file can be re-uploaded.
    if (!column && key === ERROR_COLUMN) return;
    if (!column) unknown.push(name.trim());
    else columns[index] = column;
  });
  if (unknown.length) {
    problems.push(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${truncate(u)}"`).join(', ')}`);
  }
  const missing = definition.columns.filter((c) => c.required && !seen.has(c.name.toLowerCase())).map((c) => `"${c.name}"`);
  if (missing.length) problems.push(`missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (problems.length) {
    const single = header.length === 1 ? delimiterHint(header[0]) : '';
    throw new FileRejectedError(`invalid header: ${problems.join('; ')}${single}`);
  }
  return { header, columns };
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
