export interface JobFile {
  name: string;
  /** `output`: written by the job's runs; `attachment`: given with the job's request by a caller. */
  kind: 'output' | 'attachment';
  sizeBytes: number;
  contentType: string;
  sha256: string;
  createdAt: string;
}
