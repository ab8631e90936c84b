import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, NotFoundError } from '@porter/shared-kernel';
import { DeleteImportRecordCommand } from '../../public/actions/delete-import-record.command';
import { scopeOf } from '../import-read-models';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

/**
 * Under the record's row lock, which batch additions take too: an upload racing the delete either
 * adds its batch first (then 409 here) or finds no record (404 there).
 */
@CommandHandler(DeleteImportRecordCommand)
export class DeleteImportRecordHandler implements ICommandHandler<DeleteImportRecordCommand, void> {
  constructor(@Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository) {}

  async execute({ principal, importRecordId }: DeleteImportRecordCommand): Promise<void> {
    await this.repository.inTransaction(async () => {
      const record = await this.repository.findRecord(scopeOf(principal), importRecordId, true);
      if (!record) throw new NotFoundError('Import record', importRecordId);
      const batches = await this.repository.listBatches([record.id]);
      if (batches.length) {
        throw new ConflictError(
          `Import record ${importRecordId} has ${batches.length} batch${batches.length === 1 ? '' : 'es'}: only a record without batches can be deleted (its batches and per-row results are the import's history)`,
        );
      }
      await this.repository.deleteRecord(record.id);
    });
  }
}
