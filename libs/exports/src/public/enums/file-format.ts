/** The file formats an export can be written in. */
export enum FileFormat {
  Csv = 'csv',
  Xlsx = 'xlsx',
  Jsonl = 'jsonl',
}

const FILE_FORMATS: readonly FileFormat[] = [FileFormat.Csv, FileFormat.Xlsx, FileFormat.Jsonl];

/** Media type and extension of each format (the download's Content-Type and the file name's suffix). */
export const FILE_FORMAT_DETAILS: Readonly<Record<FileFormat, { contentType: string; extension: string }>> = {
  [FileFormat.Csv]: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  [FileFormat.Xlsx]: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' },
  [FileFormat.Jsonl]: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl' },
};

export function isFileFormat(value: unknown): value is FileFormat {
  return typeof value === 'string' && (FILE_FORMATS as readonly string[]).includes(value);
}
