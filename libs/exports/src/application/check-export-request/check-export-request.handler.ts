import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { BadRequestError, ValidationError } from '@porter/shared-kernel';
import { whyMayNotRequest } from '../../domain/export-access';
import { CheckExportRequestQuery, ExportRequestCheck } from '../../public/queries/check-export-request.query';
import { EXPORT_TYPE_CATALOG, ExportTypeCatalog } from '../ports/export-type-catalog.port';
import { validateExportRequest } from '../request-export/export-request.validator';

@QueryHandler(CheckExportRequestQuery)
export class CheckExportRequestHandler implements IQueryHandler<CheckExportRequestQuery, ExportRequestCheck> {
  constructor(@Inject(EXPORT_TYPE_CATALOG) private readonly types: ExportTypeCatalog) {}

  async execute({ principal, request }: CheckExportRequestQuery): Promise<ExportRequestCheck> {
    try {
      const valid = await validateExportRequest(this.types, request);
      const refusal = whyMayNotRequest(principal, valid.definition.scope, valid.scopeIds);
      if (refusal) return { errors: [{ path: valid.definition.scope === 'global' ? 'type' : 'scopeIds', message: `you may not run "${valid.definition.type}" exports: ${refusal}` }] };
      return { errors: [] };
    } catch (error) {
      if (error instanceof ValidationError || error instanceof BadRequestError) return { errors: error.errors ?? [{ path: '', message: error.message }] };
      throw error;
    }
  }
}
