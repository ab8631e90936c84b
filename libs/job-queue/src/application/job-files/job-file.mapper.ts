import type { StoredJobFile } from '../../public/dependencies/job-handler.dependency';
import type { JobFile } from '../../public/entities/job-file';

/** A stored file as callers see it: the storage key is internal. */
export function toJobFile({ name, kind, sizeBytes, contentType, sha256, createdAt }: StoredJobFile): JobFile {
  return { name, kind, sizeBytes, contentType, sha256, createdAt };
}
