import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AddImportBatchCommand, AddImportBatchesCommand, ImportUpload } from '../../public/actions/add-import-batch.command';
import type { ImportBatchInfo } from '../../public/entities/import-batch-info';
import { ImportBatchIntake } from './import-batch-intake';

@CommandHandler(AddImportBatchCommand)
export class AddImportBatchHandler implements ICommandHandler<AddImportBatchCommand, ImportBatchInfo> {
  constructor(private readonly intake: ImportBatchIntake) {}

  async execute({ principal, importRecordId, upload, options }: AddImportBatchCommand): Promise<ImportBatchInfo> {
    const [batch] = await this.intake.add(principal, importRecordId, one(upload), options);
    return batch;
  }
}

@CommandHandler(AddImportBatchesCommand)
export class AddImportBatchesHandler implements ICommandHandler<AddImportBatchesCommand, ImportBatchInfo[]> {
  constructor(private readonly intake: ImportBatchIntake) {}

  execute({ principal, importRecordId, uploads, options }: AddImportBatchesCommand): Promise<ImportBatchInfo[]> {
    return this.intake.add(principal, importRecordId, uploads, options);
  }
}

async function* one(upload: ImportUpload): AsyncGenerator<ImportUpload> {
  yield upload;
}
