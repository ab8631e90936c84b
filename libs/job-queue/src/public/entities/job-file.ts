export interface JobFile {
  name: string;
  sizeBytes: number;
  contentType: string;
  sha256: string;
  /** Server-generated key in FileStorage. */
  storageKey: string;
  createdAt: string;
}
