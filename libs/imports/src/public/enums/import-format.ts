/** File formats an import reads. An upload's format is decided by its content; its name and media type must agree with it. */
export enum ImportFormat {
  Csv = 'csv',
  Xlsx = 'xlsx',
  Jsonl = 'jsonl',
}
