import { BadRequestError, FieldError, isUuid } from '@porter/shared-kernel';
import type { ExportCompression, ExportRequestData } from '../../public/entities/export-request-data';
import type { ExportTypeDefinition } from '../../public/dependencies/export-data-source.dependency';
import { FileFormat } from '../../public/enums/file-format';

export const MAX_EXPORT_IDS = 10_000;

export interface ExportShape {
  /** Chosen keys in file order; null = every declared column. */
  columns: string[] | null;
  /** Distinct ids in the order first given; null = no id restriction. */
  ids: string[] | null;
  compression: ExportCompression;
}

/**
 * The file's shape: which columns in which order, which records by key, and compression. Each
 * problem is a 400 naming the path and, for columns, every unknown or repeated name at once.
 */
export function validateExportShape(definition: Readonly<ExportTypeDefinition>, request: ExportRequestData): ExportShape {
  const errors: FieldError[] = [];
  let columns: string[] | null = null;
  if (request.columns !== undefined && request.columns !== null) {
    if (!Array.isArray(request.columns) || !request.columns.length) {
      errors.push({ path: 'columns', message: 'must be a non-empty array of column names (omit it for every column)' });
    } else {
      const declared = new Set(definition.columns.map((c) => c.key));
      const seen = new Set<string>();
      request.columns.forEach((name, i) => {
        if (typeof name !== 'string' || !declared.has(name)) {
          errors.push({ path: `columns.${i}`, message: `unknown column ${JSON.stringify(name)}; the type's columns are ${[...declared].join(', ')}` });
        } else if (seen.has(name)) {
          errors.push({ path: `columns.${i}`, message: `column "${name}" is repeated` });
        }
        seen.add(name);
      });
      columns = [...request.columns];
    }
  }
  let ids: string[] | null = null;
  if (request.ids !== undefined && request.ids !== null) {
    if (!definition.keyColumn) {
      errors.push({ path: 'ids', message: `export type "${definition.type}" takes no ids` });
    } else if (!Array.isArray(request.ids) || !request.ids.length || request.ids.length > MAX_EXPORT_IDS) {
      errors.push({ path: 'ids', message: `must be a non-empty array of at most ${MAX_EXPORT_IDS} ids` });
    } else {
      const bad = request.ids.findIndex((id) => typeof id !== 'string' || !id || id.length > 200);
      if (bad >= 0) errors.push({ path: `ids.${bad}`, message: 'must be a non-empty string of at most 200 characters' });
      // A UUID is one id however its hex digits are cased (Postgres reads both alike): once, lowercased.
      else ids = [...new Set((request.ids as string[]).map((id) => (isUuid(id) ? id.toLowerCase() : id)))];
    }
  }
  const compression = request.compression ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') errors.push({ path: 'compression', message: 'must be "none" or "gzip"' });
  else if (compression === 'gzip' && request.format === FileFormat.Xlsx) {
    errors.push({ path: 'compression', message: 'XLSX files are already compressed (zip): use "none"' });
  }
  if (errors.length) throw new BadRequestError('The export request is invalid', errors);
  return { columns, ids, compression };
}
