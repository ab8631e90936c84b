import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { ExportInfo, GetExportInfoQuery } from '@porter/exports';
import { ConflictError, newId } from '@porter/shared-kernel';
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
    if (exportInfo.status !== 'succeeded' || !exportInfo.result) throw new ConflictError(`Export ${exportId} is ${exportInfo.status}: only a succeeded export can be resent`);
    if (exportInfo.result.expired) throw new ConflictError(`Export ${exportId} expired at ${exportInfo.result.expiresAt}: its file is gone`);
    const created = await this.dispatch.transaction((transaction) =>
      this.dispatch.emit(transaction, { tenant: principal.tenant, type: 'export.ready', sourceKey: `export.ready:resend:${newId()}`, data: { exportId, resentBy: principal.userId } }),
    );
    return { eventId: created?.eventId ?? '', deliveries: created?.deliveryIds.length ?? 0 };
  }
}
