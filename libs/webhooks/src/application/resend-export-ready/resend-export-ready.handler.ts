import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { ExportInfo, GetExportInfoQuery } from '@porter/exports';
import { ConflictError, ForbiddenError, newId } from '@porter/shared-kernel';
import { ResendExportReadyCommand } from '../../public/actions/webhook-commands';
import { WebhookDispatch } from '../webhook-dispatch';

@CommandHandler(ResendExportReadyCommand)
export class ResendExportReadyHandler implements ICommandHandler<ResendExportReadyCommand, { eventId: string; deliveries: number }> {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly dispatch: WebhookDispatch,
  ) {}

  async execute({ principal, exportId }: ResendExportReadyCommand): Promise<{ eventId: string; deliveries: number }> {
    // The caller must see the export (404 otherwise, as everywhere in exports).
    const exportInfo: ExportInfo = await this.queryBus.execute(new GetExportInfoQuery(principal, exportId));
    // Acting on it, as deleting it: its requester or a tenant admin (a colleague with the scopes
    // reads it, no more). Each resend is a delivery to every endpoint subscribed to export.ready.
    if (!principal.isAdmin && principal.userId !== exportInfo.requestedBy) {
      throw new ForbiddenError(`Only its requester (${exportInfo.requestedBy}) or a tenant admin may send export ${exportId}'s export.ready again`);
    }
    if (exportInfo.status !== 'succeeded' || !exportInfo.result) throw new ConflictError(`Export ${exportId} is ${exportInfo.status}: only a succeeded export can be resent`);
    if (exportInfo.result.expired) {
      const { expiresAt } = exportInfo.result;
      // Expired before its time: cancelled, or its job deleted or purged (the file went with it).
      if (Date.parse(expiresAt) > Date.now()) {
        throw new ConflictError(`Export ${exportId}'s file was removed before its expiry (${expiresAt}): the export was cancelled, or its job deleted or purged`);
      }
      throw new ConflictError(`Export ${exportId} expired at ${expiresAt}: its file is gone`);
    }
    const created = await this.dispatch.transaction((transaction) =>
      this.dispatch.emit(transaction, { tenant: principal.tenant, type: 'export.ready', sourceKey: `export.ready:resend:${newId()}`, data: { exportId, resentBy: principal.userId } }),
    );
    // Nothing listens: no event is stored and nothing is sent, which a 202 would hide.
    if (!created) {
      throw new ConflictError(`No enabled webhook endpoint of tenant ${principal.tenant} subscribes to export.ready: there is nothing to resend to (register one with POST /api/v1/webhooks)`);
    }
    return { eventId: created.eventId, deliveries: created.deliveryIds.length };
  }
}
