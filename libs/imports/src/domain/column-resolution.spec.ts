import type { ImportTypeDefinition } from '../public/dependencies/import-processor.dependency';
import { ImportFormat } from '../public/enums/import-format';
import { columnResolver, mappingProblems, normalizeColumnName } from './column-resolution';
import { validateHeader } from './header-validation';

const TYPE: ImportTypeDefinition = {
  type: 'people',
  formats: [ImportFormat.Csv],
  columns: [
    { name: 'email', type: 'string', required: true, aliases: ['E-mail', 'Email address'] },
    { name: 'first_name', type: 'string', required: true, aliases: ['Given name'] },
    { name: 'notes', type: 'string' },
  ],
  uniqueKey: ['email'],
  chunkSize: 10,
};

describe('column resolution', () => {
  it('compares names and aliases without case, spaces, underscores and hyphens', () => {
    expect(normalizeColumnName('  First_Name ')).toBe(normalizeColumnName('first-name'));
    const resolve = columnResolver(TYPE);
    expect(resolve('EMAIL ADDRESS')).toEqual({ column: TYPE.columns[0] });
    expect(resolve('e mail')).toEqual({ column: TYPE.columns[0] });
    expect(resolve('First name')).toEqual({ column: TYPE.columns[1] });
    expect(resolve('shoe size')).toBeNull();
  });

  it('lets an upload mapping override names and aliases, and ignore a column with null', () => {
    const resolve = columnResolver(TYPE, { Courriel: 'EMAIL', 'e-mail': 'notes', Remarks: null });
    expect(resolve('courriel')).toEqual({ column: TYPE.columns[0] });
    expect(resolve('E-mail')).toEqual({ column: TYPE.columns[2] });
    expect(resolve('remarks')).toEqual({ ignored: true });
  });

  it('maps a header through aliases and mapping, and lists every required column still missing', () => {
    expect(validateHeader(['Given name', 'E-mail', 'Remarks'], TYPE, { Remarks: null }).columns.map((c) => c?.name)).toEqual(['first_name', 'email', undefined]);
    expect(() => validateHeader(['Remarks'], TYPE, { Remarks: 'notes' })).toThrow('missing required columns "email", "first_name"');
    expect(() => validateHeader(['email', 'E-mail', 'first_name'], TYPE)).toThrow('columns "email" and "E-mail" (columns 1 and 2) both map to "email"');
  });

  it('reports each bad mapping entry by path', () => {
    expect(mappingProblems(TYPE, ['email'])).toEqual([{ path: 'mapping', message: expect.stringContaining('JSON object') }]);
    expect(mappingProblems(TYPE, { Mail: 'emial', 'E mail': 'email', 'e-mail': 'first_name', '': 'notes', Other: 'email', Skip: null })).toEqual([
      { path: 'mapping.Mail', message: expect.stringContaining("must name one of the type's columns") },
      { path: 'mapping.e-mail', message: 'is the same header as "E mail" (names compare without case, spaces, _ and -)' },
      { path: 'mapping.', message: 'a file header must be non-empty and at most 200 characters' },
      { path: 'mapping.Other', message: 'maps to "email", which "E mail" already maps to' },
    ]);
    expect(mappingProblems(TYPE, Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`h${i}`, null])))).toEqual([{ path: 'mapping', message: 'must map at most 256 headers' }]);
  });
});
