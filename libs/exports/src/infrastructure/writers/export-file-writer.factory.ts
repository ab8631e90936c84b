import { Injectable } from '@nestjs/common';
import type { Writable } from 'stream';
import type { ExportFileWriter, ExportFileWriterConstructor, ExportFileWriterFactory, ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import type { ExportColumn } from '../../public/dependencies/export-data-source.dependency';
import { FileFormat } from '../../public/enums/file-format';
import { CsvExportWriter } from './csv-export.writer';
import { JsonlExportWriter } from './jsonl-export.writer';
import { XlsxExportWriter } from './xlsx-export.writer';

const WRITERS: Record<FileFormat, ExportFileWriterConstructor> = {
  [FileFormat.Csv]: CsvExportWriter,
  [FileFormat.Xlsx]: XlsxExportWriter,
  [FileFormat.Jsonl]: JsonlExportWriter,
};

@Injectable()
export class StreamingExportFileWriterFactory implements ExportFileWriterFactory {
  create(format: FileFormat, output: Writable, columns: readonly ExportColumn[], options: ExportFileWriterOptions): ExportFileWriter {
    const Writer = WRITERS[format];
    if (!Writer) throw new Error(`no writer for format "${format}"`);
    return new Writer(output, columns, options);
  }
}
