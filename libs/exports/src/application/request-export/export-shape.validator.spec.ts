import { BadRequestError } from '@porter/shared-kernel';
import type { ExportTypeDefinition } from '../../public/dependencies/export-data-source.dependency';
import { FileFormat } from '../../public/enums/file-format';
import { validateExportShape } from './export-shape.validator';

const TYPE: ExportTypeDefinition = {
  type: 'people',
  scope: 'global',
  retentionPeriodDays: 1,
  formats: [FileFormat.Csv, FileFormat.Xlsx, FileFormat.Jsonl],
  columns: [
    { key: 'id', header: 'id', type: 'string' },
    { key: 'name', header: 'name', type: 'string' },
    { key: 'email', header: 'email', type: 'string' },
  ],
  keyColumn: 'id',
};

function refusal(request: Record<string, unknown>, definition = TYPE): BadRequestError {
  try {
    validateExportShape(definition, { type: 'people', format: 'csv', ...request });
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('validateExportShape', () => {
  it('keeps the chosen column order, de-duplicates ids and defaults to every column, no ids, no compression', () => {
    expect(validateExportShape(TYPE, { type: 'people', format: 'csv', columns: ['email', 'id'], ids: ['b', 'a', 'b'], compression: 'gzip' })).toEqual({
      columns: ['email', 'id'],
      ids: ['b', 'a'],
      compression: 'gzip',
    });
    expect(validateExportShape(TYPE, { type: 'people', format: 'xlsx' })).toEqual({ columns: null, ids: null, compression: 'none' });
    // A UUID in upper and lower case is one id (it was counted twice, and "not exported" once).
    const id = '0192f1a2-b3c4-7d5e-8f60-718293a4b5c6';
    expect(validateExportShape(TYPE, { type: 'people', format: 'csv', ids: [id.toUpperCase(), id, 'Key-B', 'key-b'] }).ids).toEqual([id, 'Key-B', 'key-b']);
  });

  it('lists every unknown and repeated column at once (400)', () => {
    expect(refusal({ columns: ['name', 'salary', 'name', 'ssn'] }).errors).toEqual([
      { path: 'columns.1', message: 'unknown column "salary"; the type\'s columns are id, name, email' },
      { path: 'columns.2', message: 'column "name" is repeated' },
      { path: 'columns.3', message: 'unknown column "ssn"; the type\'s columns are id, name, email' },
    ]);
    expect(refusal({ columns: [] }).errors).toEqual([{ path: 'columns', message: expect.stringContaining('non-empty') }]);
    expect(refusal({ columns: [42] }).errors?.[0].path).toBe('columns.0');
  });

  it('bounds ids and refuses them for a type without a key column', () => {
    expect(refusal({ ids: Array.from({ length: 10_001 }, (_, i) => String(i)) }).errors?.[0]).toEqual({ path: 'ids', message: 'must be a non-empty array of at most 10000 ids' });
    expect(refusal({ ids: ['ok', ''] }).errors?.[0].path).toBe('ids.1');
    expect(refusal({ ids: ['x'.repeat(201)] }).errors?.[0].path).toBe('ids.0');
    expect(refusal({ ids: ['a'] }, { ...TYPE, keyColumn: undefined }).errors?.[0]).toEqual({ path: 'ids', message: 'export type "people" takes no ids' });
  });

  it('refuses gzip for XLSX (already zipped) and unknown compressions', () => {
    expect(refusal({ format: 'xlsx', compression: 'gzip' }).errors?.[0]).toEqual({ path: 'compression', message: expect.stringContaining('already compressed') });
    expect(refusal({ compression: 'brotli' }).errors?.[0].path).toBe('compression');
  });
});
