/** File formats an import reads. The format of an upload is decided by its content, never its name. */
export enum ImportFormat {
  Csv = 'csv',
  Xlsx = 'xlsx',
  Jsonl = 'jsonl',
}
