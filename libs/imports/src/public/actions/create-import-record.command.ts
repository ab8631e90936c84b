import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ImportRecordInfo } from '../entities/import-record-info';

export interface CreateImportRecordInput {
  type: string;
  sourceName: string;
  processorName?: string | null;
  processorVersion?: string | null;
  notes?: string | null;
  searchString?: string | null;
  /** When the search that produced the references ran (Destiny); not in the future. */
  searchedAt?: Date | null;
  /** -1 when unknown. */
  expectedReferenceCount: number;
  options?: { dryRun?: boolean; onError?: 'continue' | 'abort' };
}

export class CreateImportRecordCommand extends Command<ImportRecordInfo> {
  constructor(readonly principal: Principal, readonly input: CreateImportRecordInput) {
    super();
  }
}
