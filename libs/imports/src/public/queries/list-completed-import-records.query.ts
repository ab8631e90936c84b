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
  /** As in ListJobTransitionsQuery: `next` moves past final completions only; later reads return the others again. */
  final: boolean;
}

export interface ImportCompletionPage {
  items: ImportCompletion[];
  next: ImportCompletionCursor;
}

/**
 * Import records that completed after `after`, in (completing transaction, id) order; `next` moves
 * past completions whose transaction precedes every one still running (`final`), so nothing
 * committed later can fall behind it; committed completions beyond are returned, not final. `after` null starts at the present. No permission filter: for modules acting on the
 * platform's behalf (webhooks). A record completed again later appears again.
 */
export class ListCompletedImportRecordsQuery extends Query<ImportCompletionPage> {
  constructor(readonly after: ImportCompletionCursor | null, readonly limit = 200) {
    super();
  }
}
