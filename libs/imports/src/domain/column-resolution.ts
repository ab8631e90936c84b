import type { ImportColumn, ImportTypeDefinition } from '../public/dependencies/import-processor.dependency';

/**
 * How a file's column names find the type's columns. Names compare "case- and space-insensitively":
 * lower case, with spaces, underscores and hyphens removed, so `First name`, `first_name` and
 * `FIRST-NAME` are one name. A type may declare aliases per column (`E-mail`, `Email address` →
 * `email`); an upload's `mapping` (file header → column, or null to ignore that file column)
 * overrides both.
 */
export type ColumnMappingOverride = Readonly<Record<string, string | null>>;

export const normalizeColumnName = (name: string): string => name.normalize('NFC').toLowerCase().replace(/[\s_-]+/g, '');

/** What a file column resolves to: a column of the type, deliberately nothing, or not known. */
export type Resolved = { column: ImportColumn } | { ignored: true } | null;

export function columnResolver(definition: ImportTypeDefinition, override: ColumnMappingOverride | null = null): (fileName: string) => Resolved {
  const byName = new Map<string, ImportColumn>();
  for (const column of definition.columns) {
    byName.set(normalizeColumnName(column.name), column);
    for (const alias of column.aliases ?? []) byName.set(normalizeColumnName(alias), column);
  }
  const mapped = new Map<string, ImportColumn | null>();
  for (const [from, to] of Object.entries(override ?? {})) {
    mapped.set(normalizeColumnName(from), to === null ? null : (definition.columns.find((c) => c.name.toLowerCase() === to.toLowerCase()) ?? null));
  }
  return (fileName) => {
    const key = normalizeColumnName(fileName);
    if (mapped.has(key)) {
      const target = mapped.get(key);
      return target ? { column: target } : { ignored: true };
    }
    const column = byName.get(key);
    return column ? { column } : null;
  };
}

/**
 * Checks an upload's `mapping` against the type: an object of at most 256 file headers (each
 * non-empty, at most 200 characters, distinct once normalised), each naming one of the type's
 * columns or null, no column named twice. Returns one problem per offending path.
 */
export function mappingProblems(definition: ImportTypeDefinition, override: unknown): Array<{ path: string; message: string }> {
  if (override === null || typeof override !== 'object' || Array.isArray(override)) {
    return [{ path: 'mapping', message: 'must be a JSON object of file header → column name (or null to ignore that column)' }];
  }
  const entries = Object.entries(override as Record<string, unknown>);
  if (entries.length > 256) return [{ path: 'mapping', message: 'must map at most 256 headers' }];
  const problems: Array<{ path: string; message: string }> = [];
  const headers = new Map<string, string>();
  const targets = new Map<string, string>();
  const names = definition.columns.map((c) => c.name);
  for (const [from, to] of entries) {
    const path = `mapping.${from.slice(0, 80)}`;
    const key = normalizeColumnName(from);
    if (!key || from.length > 200) {
      problems.push({ path, message: 'a file header must be non-empty and at most 200 characters' });
      continue;
    }
    if (headers.has(key)) problems.push({ path, message: `is the same header as "${headers.get(key)}" (names compare without case, spaces, _ and -)` });
    headers.set(key, from);
    if (to === null) continue;
    const column = typeof to === 'string' ? names.find((n) => n.toLowerCase() === to.toLowerCase()) : undefined;
    if (!column) {
      problems.push({ path, message: `must name one of the type's columns (${names.join(', ')}) or be null` });
      continue;
    }
    if (targets.has(column)) problems.push({ path, message: `maps to "${column}", which "${targets.get(column)}" already maps to` });
    targets.set(column, from);
  }
  return problems;
}

/**
 * For JSONL (no header: each line names its own keys): a key → the index of the type column it
 * feeds, null for a key the mapping ignores, undefined for an unknown key.
 */
export function jsonlKeyPosition(definition: ImportTypeDefinition, override: ColumnMappingOverride | null): (key: string) => number | null | undefined {
  const resolve = columnResolver(definition, override);
  const index = new Map(definition.columns.map((c, i) => [c, i]));
  return (key) => {
    const resolved = resolve(key);
    if (!resolved) return undefined;
    return 'ignored' in resolved ? null : index.get(resolved.column);
  };
}
