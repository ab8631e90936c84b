import type { ImportFormat } from '../../public/enums/import-format';

/** Writes a template file (see GetImportTemplateQuery) for the given columns. */
export interface ImportTemplateWriter {
  write(format: ImportFormat, columns: readonly string[], sheetName: string): Promise<Buffer>;
}

export const IMPORT_TEMPLATE_WRITER = Symbol('IMPORT_TEMPLATE_WRITER');
