import { Query } from '@nestjs/cqrs';
import type { ImportFormat } from '../enums/import-format';

/** An empty file to fill in, in one of the type's formats. */
export interface ImportTemplateFile {
  fileName: string;
  contentType: string;
  body: Buffer;
}

/**
 * The template of an import type (seed 004's template file): CSV and XLSX hold the header row
 * only (every column of the type, in the type's order); JSONL holds one object with every column
 * as a key and null values (JSONL has no header row; the keys are the template). Importing a
 * template as it is imports nothing: the CSV/XLSX is refused as header-only, the JSONL row fails
 * its required columns.
 */
export class GetImportTemplateQuery extends Query<ImportTemplateFile> {
  constructor(readonly type: string, readonly format: ImportFormat) {
    super();
  }
}
