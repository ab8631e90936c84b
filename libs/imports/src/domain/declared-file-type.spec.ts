import { ImportFormat } from '../public/enums/import-format';
import { declaredTypeMismatch } from './declared-file-type';

const { Csv, Xlsx, Jsonl } = ImportFormat;

describe('declaredTypeMismatch', () => {
  it.each([
    ['people.csv', 'text/csv', Csv],
    ['people.CSV', 'application/vnd.ms-excel', Csv],
    ['people.txt', 'text/plain; charset=utf-8', Jsonl],
    ['people.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', Xlsx],
    ['people.jsonl', 'application/x-ndjson', Jsonl],
    ['people.ndjson', 'application/octet-stream', Jsonl],
    ['people', null, Xlsx],
    [null, null, Csv],
    ['export.2026-12-04', '', Jsonl],
  ])('accepts %j sent as %j holding %s', (fileName, contentType, detected) => {
    expect(declaredTypeMismatch({ fileName, contentType }, detected)).toBeNull();
  });

  // Every pair of formats Porter reads, by extension and by media type, plus types it does not read.
  it.each([
    ['people.csv', null, Xlsx, 'the file name extension ".csv" declares CSV, but the content is XLSX'],
    ['people.csv', null, Jsonl, 'the file name extension ".csv" declares CSV, but the content is JSONL'],
    ['people.xlsx', null, Csv, 'the file name extension ".xlsx" declares XLSX, but the content is CSV'],
    ['people.xlsx', null, Jsonl, 'the file name extension ".xlsx" declares XLSX, but the content is JSONL'],
    ['people.jsonl', null, Csv, 'the file name extension ".jsonl" declares JSONL, but the content is CSV'],
    ['people.jsonl', null, Xlsx, 'the file name extension ".jsonl" declares JSONL, but the content is XLSX'],
    [null, 'text/csv', Xlsx, `the part's Content-Type "text/csv" declares CSV, but the content is XLSX`],
    [null, 'application/x-ndjson', Csv, `the part's Content-Type "application/x-ndjson" declares JSONL, but the content is CSV`],
    [null, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', Jsonl, 'declares XLSX, but the content is JSONL'],
    [null, 'text/plain', Xlsx, 'declares CSV or JSONL, but the content is XLSX'],
    ['report.pdf', null, Csv, 'the file name extension ".pdf" declares a type Porter does not import, but the content is CSV'],
    ['people.csv', 'image/png', Csv, `the part's Content-Type "image/png" declares a type Porter does not import, but the content is CSV`],
    ['people.csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', Csv, 'declares XLSX, but the content is CSV'],
  ])('refuses %j sent as %j holding %s', (fileName, contentType, detected, reason) => {
    expect(declaredTypeMismatch({ fileName, contentType }, detected)).toContain(reason);
  });

  // The whole matrix: each format's content under each format's declared extension and media
  // type, one claim at a time. The same format is accepted; every other pair is refused naming both.
  const NAME = { [Csv]: 'CSV', [Xlsx]: 'XLSX', [Jsonl]: 'JSONL' } as const;
  const EXTENSION = { [Csv]: 'people.csv', [Xlsx]: 'people.xlsx', [Jsonl]: 'people.jsonl' } as const;
  const MEDIA_TYPE = {
    [Csv]: 'text/csv',
    [Xlsx]: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    [Jsonl]: 'application/x-ndjson',
  } as const;
  const formats = [Csv, Xlsx, Jsonl];
  const matrix = formats.flatMap((declared) => formats.map((content) => [declared, content] as const));

  it.each(matrix)('by extension: declared %s, content %s', (declared, content) => {
    const verdict = declaredTypeMismatch({ fileName: EXTENSION[declared], contentType: null }, content);
    if (declared === content) expect(verdict).toBeNull();
    else expect(verdict).toBe(`the file name extension ".${declared}" declares ${NAME[declared]}, but the content is ${NAME[content]}`);
  });

  it.each(matrix)('by media type: declared %s, content %s', (declared, content) => {
    const verdict = declaredTypeMismatch({ fileName: null, contentType: MEDIA_TYPE[declared] }, content);
    if (declared === content) expect(verdict).toBeNull();
    else expect(verdict).toBe(`the part's Content-Type "${MEDIA_TYPE[declared]}" declares ${NAME[declared]}, but the content is ${NAME[content]}`);
  });

  it.each(matrix)('an honest extension does not excuse a dishonest media type: declared %s, content %s', (declared, content) => {
    const verdict = declaredTypeMismatch({ fileName: EXTENSION[content], contentType: MEDIA_TYPE[declared] }, content);
    if (declared === content) expect(verdict).toBeNull();
    else expect(verdict).toContain(`declares ${NAME[declared]}, but the content is ${NAME[content]}`);
  });
});
