import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';

export interface ExportDownloadLink {
  /** Local storage: a signed path of this API (absolute when PUBLIC_BASE_URL is set); S3: a presigned URL of the bucket. */
  url: string;
  expiresAt: string;
}

/**
 * Makes a link that downloads the export's file without a bearer token for `expiresInSeconds`.
 * The caller's permission is checked now, exactly as a download would be (404 / 409 / 410); the
 * link then works for whoever holds it until it expires (ADR 044). Not counted here: a local
 * link counts each download through it; a presigned S3 URL's downloads are not seen by Porter.
 */
export class CreateExportDownloadLinkCommand extends Command<ExportDownloadLink> {
  constructor(readonly principal: Principal, readonly exportId: string, readonly expiresInSeconds: number) {
    super();
  }
}
