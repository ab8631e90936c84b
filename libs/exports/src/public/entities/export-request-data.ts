import type { FileFormat } from '../enums/file-format';

/** What a caller sends to request an export (the principal says who and for which tenant). */
export interface ExportRequestData {
  type: string;
  format: FileFormat | string;
  filters?: Record<string, unknown> | null;
  /** Required (non-empty) for `local` types; refused for `global` ones. */
  scopeIds?: string[] | null;
  name?: string | null;
  /** Run later instead of as soon as a worker is free. */
  scheduledFor?: Date | null;
}
