import { Query } from '@nestjs/cqrs';

export interface ImportCompletionCursor {
  txId: string;
  recordId: string;
}

export interface ImportCompletion {
  importRecordId: string;
  tenant: string;
  /** The completing transaction: a record completed again (after a retry of failed rows) has another. */
  completionTxId: string;
  completedAt: string;
}

export interface ImportCompletionPage {
  items: ImportCompletion[];
  next: ImportCompletionCursor;
}

/**
 * Import records that completed after `after`, in commit-safe order (the completing transaction's
 * id, up to the oldest transaction still running: nothing committed later can fall behind the
 * cursor). `after` null starts at the present. No permission filter: for modules acting on the
 * platform's behalf (webhooks). A record completed again later appears again.
 */
export class ListCompletedImportRecordsQuery extends Query<ImportCompletionPage> {
  constructor(readonly after: ImportCompletionCursor | null, readonly limit = 200) {
    super();
  }
}
