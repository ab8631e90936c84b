import type { ImportRecordStatus } from '../enums/import-record-status';
import type { ImportBatchInfo } from './import-batch-info';

export interface ImportOptions {
  /** Validate (and run the host's writes in a rolled-back savepoint) without keeping any write. */
  dryRun: boolean;
  onError: 'continue' | 'abort';
}

/** The read model of an import record (one logical import, made of batches). */
export interface ImportRecordInfo {
  id: string;
  type: string;
  sourceName: string;
  processorName: string | null;
  processorVersion: string | null;
  notes: string | null;
  searchString: string | null;
  /** When the search that produced the references ran (Destiny's `searchedAt`). */
  searchedAt: string | null;
  /** -1 when unknown. */
  expectedReferenceCount: number;
  status: ImportRecordStatus;
  options: ImportOptions;
  createdBy: string;
  createdAt: string;
  finalizedAt: string | null;
  completedAt: string | null;
  batches: ImportBatchInfo[];
}
