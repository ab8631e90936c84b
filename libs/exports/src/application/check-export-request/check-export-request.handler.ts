import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { BadRequestError, ValidationError } from '@porter/shared-kernel';
import { whyMayNotRequest } from '../../domain/export-access';
import { EXPORT_DATA_SOURCES, ExportDataSourceRegistry } from '../../public/dependencies/export-data-source.dependency';
import { EXPORT_TYPE_REGISTRY, ExportTypeRegistry } from '../../public/enums/export-type';
import { CheckExportRequestQuery, ExportRequestCheck } from '../../public/queries/check-export-request.query';
import { validateExportRequest } from '../request-export/export-request.validator';

@QueryHandler(CheckExportRequestQuery)
export class CheckExportRequestHandler implements IQueryHandler<CheckExportRequestQuery, ExportRequestCheck> {
  constructor(
    @Inject(EXPORT_TYPE_REGISTRY) private readonly types: ExportTypeRegistry,
    @Inject(EXPORT_DATA_SOURCES) private readonly sources: ExportDataSourceRegistry,
  ) {}

  async execute({ principal, request }: CheckExportRequestQuery): Promise<ExportRequestCheck> {
    try {
      const valid = await validateExportRequest(this.types, this.sources, request);
      const refusal = whyMayNotRequest(principal, valid.definition.scope, valid.scopeIds);
      if (refusal) return { errors: [{ path: valid.definition.scope === 'global' ? 'type' : 'scopeIds', message: `you may not run "${valid.definition.type}" exports: ${refusal}` }] };
      return { errors: [] };
    } catch (error) {
      if (error instanceof ValidationError || error instanceof BadRequestError) return { errors: error.errors ?? [{ path: '', message: error.message }] };
      throw error;
    }
  }
}
