import { Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Readable } from 'stream';
import { ExportInfo, FileFormat, GetExportInfoQuery, RequestExportCommand } from '@porter/exports';
import { AddImportBatchCommand, CreateImportRecordCommand, FinalizeImportRecordCommand, GetImportRecordQuery, ImportRecordInfo } from '@porter/imports';
import type { Principal } from '@porter/shared-kernel';
import type { EmployeeTransfersPort } from '../public/employee-transfers';

/**
 * The directory as a CLIENT of Porter's modules, next to being their host: it asks for exports
 * and feeds imports of its own employees only through the public command and query buses of
 * exports and imports, exactly as any other module of the monolith would (no repository, no
 * internal service of theirs). HR integrations call it: a nightly extract, a supplier's file.
 */
@Injectable()
export class EmployeeTransfers implements EmployeeTransfersPort {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  /** Requests an export of the tenant's employees (a background job); answers at once with its ids. */
  async requestExtract(principal: Principal, format: FileFormat, columns?: string[]): Promise<{ exportId: string; jobId: string }> {
    const { exportId, jobId } = await this.commandBus.execute(
      new RequestExportCommand(principal, { type: 'employees', format, columns: columns ?? null, name: 'HR extract' }),
    );
    return { exportId, jobId };
  }

  extract(principal: Principal, exportId: string): Promise<ExportInfo> {
    return this.queryBus.execute(new GetExportInfoQuery(principal, exportId));
  }

  /**
   * Imports a supplier's file of employees as one record with one batch, finalised at once: the
   * record completes when the batch has been processed in the background.
   */
  async importFile(principal: Principal, sourceName: string, file: { stream: Readable; fileName: string }): Promise<ImportRecordInfo> {
    const record = await this.commandBus.execute(new CreateImportRecordCommand(principal, { type: 'employees', sourceName, expectedReferenceCount: -1 }));
    await this.commandBus.execute(new AddImportBatchCommand(principal, record.id, { stream: file.stream, fileName: file.fileName }));
    return this.commandBus.execute(new FinalizeImportRecordCommand(principal, record.id));
  }

  importRecord(principal: Principal, importRecordId: string): Promise<ImportRecordInfo> {
    return this.queryBus.execute(new GetImportRecordQuery(principal, importRecordId));
  }
}
