import type { Readable } from 'stream';
import type { ExportInfo, FileFormat } from '@porter/exports';
import type { ImportRecordInfo } from '@porter/imports';
import type { Principal } from '@porter/shared-kernel';

/** HR transfers of the directory's employees, made through Porter's public buses (see EmployeeTransfers). */
export interface EmployeeTransfersPort {
  requestExtract(principal: Principal, format: FileFormat, columns?: string[]): Promise<{ exportId: string; jobId: string }>;
  extract(principal: Principal, exportId: string): Promise<ExportInfo>;
  importFile(principal: Principal, sourceName: string, file: { stream: Readable; fileName: string }): Promise<ImportRecordInfo>;
  importRecord(principal: Principal, importRecordId: string): Promise<ImportRecordInfo>;
}

export const EMPLOYEE_TRANSFERS = Symbol('EMPLOYEE_TRANSFERS');
