import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId, ValidationError } from '@porter/shared-kernel';
import { CreateImportRecordCommand } from '../../public/actions/create-import-record.command';
import type { ImportRecordInfo } from '../../public/entities/import-record-info';
import { toRecordInfo } from '../import-read-models';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../ports/import-type-catalog.port';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

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
    if (!Number.isInteger(input.expectedReferenceCount) || input.expectedReferenceCount < -1) {
      throw new ValidationError('Invalid expectedReferenceCount', [{ path: 'expectedReferenceCount', message: 'must be an integer >= -1 (-1 when unknown)' }]);
    }
    if (!input.sourceName?.trim()) throw new ValidationError('Invalid sourceName', [{ path: 'sourceName', message: 'must not be empty' }]);
    const searchedAt = input.searchedAt ?? null;
    if (searchedAt && (Number.isNaN(searchedAt.getTime()) || searchedAt.getTime() > Date.now() + 5 * 60_000)) {
      throw new ValidationError('Invalid searchedAt', [{ path: 'searchedAt', message: 'must be a valid time, not in the future' }]);
    }
    const onError = input.options?.onError ?? 'continue';
    if (onError !== 'continue' && onError !== 'abort') {
      throw new ValidationError('Invalid options.onError', [{ path: 'options.onError', message: 'must be "continue" or "abort"' }]);
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
      onError,
    });
    return toRecordInfo(record, []);
  }
}
