import type { ExportOutcome } from '../enums/export-status';
import type { ExportScope } from '../dependencies/export-data-source.dependency';
import type { FileFormat } from '../enums/file-format';

/** A generated export file, as download needs it (returned only for results the caller may see). */
export interface ExportResultData {
  id: string;
  exportRequestId: string;
  exportType: string;
  scope: ExportScope;
  fileFormat: FileFormat;
  outcome: ExportOutcome;
  fileName: string;
  contentType: string;
  /** Server-generated key in FileStorage. */
  storageKey: string;
  sizeBytes: number;
  sha256: string;
  itemsCount: number;
  tenant: string;
  scopeIds: string[];
  createdAt: string;
  expiresAt: string;
  /** Set when retention purge deleted the file (the record is kept for audit). */
  expiredAt: string | null;
  downloadCount: number;
  firstDownloadedAt: string | null;
  lastDownloadedAt: string | null;
}
