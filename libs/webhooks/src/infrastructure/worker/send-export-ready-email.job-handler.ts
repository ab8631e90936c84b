import { Inject, Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Transporter } from 'nodemailer';
import { CreateExportDownloadLinkCommand, ExportDownloadLink, ExportInfo, GetExportInfoQuery } from '@porter/exports';
import { JobContext, JobHandler, JobHandlerFor, NonRetryableJobError } from '@porter/job-queue';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { ConflictError, GoneError, NotFoundError, Principal } from '@porter/shared-kernel';
import { EXPORT_READY_EMAIL_JOB_TYPE } from '../../application/webhook-dispatch';

/** How long the link in the email works (the longest a link may). */
const EMAIL_LINK_SECONDS = 86_400;

/**
 * Mails a requester who asked for it (`notify: { email: true }`) the download link of their
 * ready export, through SMTP_URL with nodemailer. A durable job (retried with backoff when the
 * SMTP server is down or refuses for now); an export that is gone or expired ends it without
 * retries. At least once: a crash after the server accepted the message sends it again.
 */
@Injectable()
@JobHandlerFor(EXPORT_READY_EMAIL_JOB_TYPE, { maxAttempts: 8, backoffMs: 30_000 })
export class SendExportReadyEmailJobHandler implements JobHandler {
  constructor(
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    private readonly queryBus: QueryBus,
    private readonly commandBus: CommandBus,
  ) {}

  async run(context: JobContext): Promise<void> {
    const exportId = String(context.payload.exportId);
    const to = String(context.payload.to);
    if (!this.config.smtpUrl) throw new NonRetryableJobError('email notifications are not set up on this Porter (SMTP_URL)');
    const system = Principal.system(context.principal.tenant);
    let info: ExportInfo;
    let link: ExportDownloadLink;
    try {
      info = await this.queryBus.execute(new GetExportInfoQuery(system, exportId));
      link = await this.commandBus.execute(new CreateExportDownloadLinkCommand(system, exportId, EMAIL_LINK_SECONDS));
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof GoneError || error instanceof ConflictError) {
        throw new NonRetryableJobError(`export ${exportId} can no longer be downloaded: ${error.message}`);
      }
      throw error;
    }
    const title = info.name ?? `${info.type} export`;
    const file = info.result?.fileName ?? `${info.type}.${info.format}`;
    // nodemailer is loaded by the first mail, not by every worker at start (about 4 MB resident).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const transport: Transporter = (require('nodemailer') as typeof import('nodemailer')).createTransport(this.config.smtpUrl);
    try {
      await transport.sendMail({
        from: this.config.smtpFrom,
        to,
        subject: `Your export "${title}" is ready`,
        text: [
          `Your export "${title}" is ready: ${info.itemsCount ?? 0} rows, ${file}.`,
          '',
          `Download it (the link works until ${link.expiresAt}):`,
          link.url,
          '',
          `Export ${info.id}, job ${info.jobId}.`,
        ].join('\n'),
        headers: { 'X-Porter-Export-Id': info.id },
      });
    } finally {
      transport.close();
    }
    context.setOutputInformation({ exportId, emailedTo: to });
    context.logger.log('export-ready email sent', { exportId });
  }
}
