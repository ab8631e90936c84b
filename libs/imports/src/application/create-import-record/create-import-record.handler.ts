import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId, ValidationError } from '@porter/shared-kernel';
import { CreateImportRecordCommand } from '../../public/actions/create-import-record.command';
import type { ImportRecordInfo } from '../../public/entities/import-record-info';
import { toRecordInfo } from '../import-read-models';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../ports/import-type-catalog.port';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

/**
 * The request's shape (an integer count from -1, onError "continue" or "abort", an ISO 8601 time)
 * is the caller's edge to check (the API's DTO); the record's own rules are checked here: a
 * registered type, a source name, a search not in the future.
 */
@CommandHandler(CreateImportRecordCommand)
export class CreateImportRecordHandler implements ICommandHandler<CreateImportRecordCommand, ImportRecordInfo> {
  constructor(
    @Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository,
    @Inject(IMPORT_TYPE_CATALOG) private readonly catalog: ImportTypeCatalog,
  ) {}

  async execute({ principal, input }: CreateImportRecordCommand): Promise<ImportRecordInfo> {
    if (!this.catalog.find(input.type)) {
      const known = this.catalog.list().map((t) => t.type);
      throw new ValidationError(`Unknown import type "${input.type}"`, [{ path: 'type', message: `must be one of: ${known.join(', ') || '(none registered)'}` }]);
    }
    if (!input.sourceName?.trim()) throw new ValidationError('Invalid sourceName', [{ path: 'sourceName', message: 'must not be empty' }]);
    const searchedAt = input.searchedAt ?? null;
    if (searchedAt && (Number.isNaN(searchedAt.getTime()) || searchedAt.getTime() > Date.now() + 5 * 60_000)) {
      throw new ValidationError('Invalid searchedAt', [{ path: 'searchedAt', message: 'must be a valid time, not in the future' }]);
    }
    const record = await this.repository.insertRecord({
      id: newId(),
      tenant: principal.tenant,
      createdBy: principal.userId,
      type: input.type,
      sourceName: input.sourceName,
      processorName: input.processorName ?? null,
      processorVersion: input.processorVersion ?? null,
      notes: input.notes ?? null,
      searchString: input.searchString ?? null,
      searchedAt,
      expectedReferenceCount: input.expectedReferenceCount,
      dryRun: input.options?.dryRun === true,
      onError: input.options?.onError ?? 'continue',
    });
    return toRecordInfo(record, []);
  }
}
