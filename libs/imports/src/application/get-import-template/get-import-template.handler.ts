import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError, ValidationError } from '@porter/shared-kernel';
import { ImportFormat } from '../../public/enums/import-format';
import { GetImportTemplateQuery, ImportTemplateFile } from '../../public/queries/get-import-template.query';
import { IMPORT_TEMPLATE_WRITER, ImportTemplateWriter } from '../ports/import-template.port';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../ports/import-type-catalog.port';

const CONTENT_TYPES: Record<ImportFormat, string> = {
  [ImportFormat.Csv]: 'text/csv; charset=utf-8',
  [ImportFormat.Xlsx]: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  [ImportFormat.Jsonl]: 'application/x-ndjson; charset=utf-8',
};

@QueryHandler(GetImportTemplateQuery)
export class GetImportTemplateHandler implements IQueryHandler<GetImportTemplateQuery, ImportTemplateFile> {
  constructor(
    @Inject(IMPORT_TYPE_CATALOG) private readonly catalog: ImportTypeCatalog,
    @Inject(IMPORT_TEMPLATE_WRITER) private readonly writer: ImportTemplateWriter,
  ) {}

  async execute({ type, format }: GetImportTemplateQuery): Promise<ImportTemplateFile> {
    const definition = this.catalog.find(type);
    if (!definition) throw new NotFoundError('Import type', type);
    if (!definition.formats.includes(format)) {
      throw new ValidationError(`Import type "${type}" does not accept ${format.toUpperCase()}`, [
        { path: 'format', message: `must be one of: ${definition.formats.join(', ')}` },
      ]);
    }
    const body = await this.writer.write(format, definition.columns.map((c) => c.name), type);
    return { fileName: `${type}-template.${format}`, contentType: CONTENT_TYPES[format], body };
  }
}
