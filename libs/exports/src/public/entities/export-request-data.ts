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
  /** Keys of the type's columns to write, in this order; omitted or null = every column. */
  columns?: string[] | null;
  /** Values of the type's key column: export exactly those records the caller may see (at most 10,000). */
  ids?: string[] | null;
  /** `gzip` for CSV and JSONL (the file becomes `<name>.<format>.gz`); XLSX is already compressed. */
  compression?: ExportCompression | null;
  /** `email: true`: mail the requester (their token's `email`) a download link when the file is ready (needs SMTP_URL). */
  notify?: { email?: boolean } | null;
}

export type ExportCompression = 'none' | 'gzip';
