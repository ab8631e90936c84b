import { Inject, Logger } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CancelJobCommand, DeleteJobCommand } from '@porter/job-queue';
import { FILE_STORAGE, FileStorage } from '@porter/platform';
import { CLOCK, Clock, ForbiddenError, isUuid, NotFoundError, Principal } from '@porter/shared-kernel';
import { mayDelete, maySee } from '../../domain/export-access';
import { DeleteExportCommand } from '../../public/actions/delete-export.command';
import { ExportStatus, TERMINAL_EXPORT_STATUSES } from '../../public/enums/export-status';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';

/**
 * Deleting an export: a running one is cancelled first (its job stops within a batch and leaves
 * no file), the file is removed, and the request is soft-deleted (kept for audit, hidden from reads).
 */
@CommandHandler(DeleteExportCommand)
export class DeleteExportHandler implements ICommandHandler<DeleteExportCommand, void> {
  private readonly logger = new Logger(DeleteExportHandler.name);

  constructor(
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commandBus: CommandBus,
  ) {}

  async execute({ principal, exportId }: DeleteExportCommand): Promise<void> {
    const record = isUuid(exportId) ? await this.exports.findById(exportId) : null;
    if (!record || record.deletedAt || !maySee(principal, record)) throw new NotFoundError('Export', exportId);
    if (!mayDelete(principal, record)) throw new ForbiddenError(`Only its requester (${record.requestedBy}) or a tenant admin may delete export ${exportId}`);
    // The platform acts on the job (the caller may not own it, e.g. an admin deleting a user's export).
    const system = Principal.system(record.tenant);
    if (!TERMINAL_EXPORT_STATUSES.includes(record.status)) {
      await this.commandBus.execute(new CancelJobCommand(system, record.jobId)).catch((error: Error) => {
        this.logger.warn(`could not cancel job ${record.jobId} of export ${record.id}: ${error.message}`);
      });
      await this.exports.markCancelled(record.id, this.clock.now());
    }
    const { deleted, storageKey } = await this.exports.softDelete(record.id, this.clock.now());
    if (!deleted) throw new NotFoundError('Export', exportId);
    if (storageKey) await this.storage.delete(storageKey);
    if (record.status !== ExportStatus.Running) {
      // A terminal job can be deleted now; a cancelling one is left to the job-queue's purge.
      await this.commandBus.execute(new DeleteJobCommand(system, record.jobId)).catch(() => undefined);
    }
  }
}
