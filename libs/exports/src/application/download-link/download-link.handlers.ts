import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler, IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { attachmentDisposition, FILE_STORAGE, FileStorage, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { CLOCK, Clock, FileDownload, ForbiddenError, isUuid, NotFoundError, Principal } from '@porter/shared-kernel';
import { DownloadLinkSigner } from '../../domain/download-link-signature';
import { CreateExportDownloadLinkCommand, ExportDownloadLink } from '../../public/actions/create-export-download-link.command';
import { DownloadLinkedExportFileQuery } from '../../public/queries/download-linked-export-file.query';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';
import { ExportDownloadGate } from '../download-export-file/export-download.gate';

const DOWNLOAD_LINK_MIN_SECONDS = 60;
const DOWNLOAD_LINK_MAX_SECONDS = 86_400;

@CommandHandler(CreateExportDownloadLinkCommand)
export class CreateExportDownloadLinkHandler implements ICommandHandler<CreateExportDownloadLinkCommand, ExportDownloadLink> {
  private readonly signer: DownloadLinkSigner;

  constructor(
    private readonly gate: ExportDownloadGate,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.signer = new DownloadLinkSigner(config.downloadLinkSecret);
  }

  async execute({ principal, exportId, expiresInSeconds }: CreateExportDownloadLinkCommand): Promise<ExportDownloadLink> {
    const asked = Math.min(DOWNLOAD_LINK_MAX_SECONDS, Math.max(DOWNLOAD_LINK_MIN_SECONDS, Math.floor(expiresInSeconds)));
    const result = await this.gate.check(principal, exportId);
    const now = this.clock.now().getTime();
    // Never past the export's own expiry: a presigned S3 URL is answered by the bucket, which
    // would serve the file until the retention purge deletes it, after GET /exports/{id} says
    // `expired` (and the email's and webhook's links are made here too).
    const seconds = Math.max(1, Math.min(asked, Math.floor((Date.parse(result.expiresAt) - now) / 1000)));
    const expiresUnix = Math.floor(now / 1000) + seconds;
    const expiresAt = new Date(expiresUnix * 1000).toISOString();
    if (this.storage.presignedGetUrl) {
      const url = await this.storage.presignedGetUrl(result.storageKey, {
        expiresInSeconds: seconds,
        contentDisposition: attachmentDisposition(result.fileName),
        contentType: result.contentType,
      });
      return { url, expiresAt };
    }
    const path = `/api/v1/exports/${exportId}/file?expires=${expiresUnix}&sig=${this.signer.sign(exportId, expiresUnix)}`;
    return { url: `${this.config.publicBaseUrl ?? ''}${path}`, expiresAt };
  }
}

@QueryHandler(DownloadLinkedExportFileQuery)
export class DownloadLinkedExportFileHandler implements IQueryHandler<DownloadLinkedExportFileQuery, FileDownload> {
  private readonly signer: DownloadLinkSigner;

  constructor(
    private readonly gate: ExportDownloadGate,
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(PORTER_CONFIG) config: PorterConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.signer = new DownloadLinkSigner(config.downloadLinkSecret);
  }

  async execute({ exportId, expires, signature, countsAsDownload }: DownloadLinkedExportFileQuery): Promise<FileDownload> {
    // The signature first: without a valid one nothing about the export is revealed (not even 404).
    const verdict = this.signer.verify(exportId, expires, signature, this.clock.now());
    if (verdict === 'invalid') throw new ForbiddenError('The download link is invalid (tampered or incomplete)');
    if (verdict === 'expired') throw new ForbiddenError(`The download link expired at ${new Date(Number(expires) * 1000).toISOString()}`);
    const record = isUuid(exportId) ? await this.exports.findById(exportId) : null;
    if (!record || record.deletedAt) throw new NotFoundError('Export', exportId);
    // Permission was checked when the link was made; the link stands for it. This principal sees
    // exactly this export (its tenant, every scope it covers), so the gate's own checks — still
    // there, unexpired, stored — and its counting apply unchanged.
    const linkHolder = new Principal('download-link', record.tenant, ['admin'], record.scopeIds);
    return this.gate.download(linkHolder, exportId, countsAsDownload);
  }
}
