import type { ImportFileReaders } from '../../application/ports/import-file-reader.port';
import type { ImportLimits } from '../../domain/import-limits';
import { ImportFormat } from '../../public/enums/import-format';
import { CsvFileReader } from './csv-reader';
import { JsonlFileReader } from './jsonl-reader';
import { XlsxFileReader } from './xlsx-reader';

/** The reader of each format, under the given limits (IMPORT_FILE_READERS). */
export function importFileReaders(limits: ImportLimits): ImportFileReaders {
  return {
    [ImportFormat.Csv]: new CsvFileReader(limits),
    [ImportFormat.Xlsx]: new XlsxFileReader(limits),
    [ImportFormat.Jsonl]: new JsonlFileReader(limits),
  };
}
