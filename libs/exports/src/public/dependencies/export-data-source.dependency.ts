import type { Principal } from '@porter/shared-kernel';

/**
 * How a column's values are written. `string` cells are text (and neutralised against formula
 * injection); `number` values are JS numbers or decimal strings such as Postgres `numeric`
 * ("1234.50", kept exact); `date` values are `YYYY-MM-DD` strings or Dates; `datetime` values are
 * ISO-8601 strings or Dates; `boolean` values are booleans. `null`/`undefined` is an empty cell.
 */
export type ExportColumnType = 'string' | 'number' | 'date' | 'datetime' | 'boolean';

export interface ExportColumn {
  /** Key of the value in a record row, and the property name in JSONL. */
  key: string;
  /** Header cell in CSV and XLSX. */
  header: string;
  /** What a person reads in a column picker (`GET /exports/types`); defaults to the header. */
  label?: string;
  type: ExportColumnType;
}

/** One row: values in column order (fastest), or a record keyed by column key. */
export type ExportRow = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface ExportDataRequest<F extends object = Record<string, unknown>> {
  readonly exportId: string;
  readonly type: string;
  /** Who asked for the export: the source must not return rows this principal may not see. */
  readonly principal: Principal;
  readonly tenant: string;
  /** Already validated against the type's filter schema. */
  readonly filters: F;
  /**
   * The columns to yield, in file order: the type's declared columns, or the subset the request
   * picked. Array rows must follow this order (read only these columns: it is what makes a narrow
   * export fast); record rows are read by key.
   */
  readonly columns: readonly ExportColumn[];
  /**
   * Explicit record keys (values of the type's key column, distinct, at most 10,000): yield only
   * those rows, among the ones the principal may see. Null: no id restriction. Keys that match
   * nothing are simply absent.
   */
  readonly ids: readonly string[] | null;
  /** The operational scopes of a `local` export (empty for `global` ones). */
  readonly scopeIds: readonly string[];
  /** Preferred number of rows per yielded batch. */
  readonly batchSize: number;
  /** Aborted when the export is cancelled or the worker stops: stop reading and release resources. */
  readonly signal: AbortSignal;
}

/**
 * What a host implements for each of its export types (exports knows nothing about the host's
 * tables). Rows are pulled batch by batch and written straight to the file, so a source must
 * stream (a server-side cursor or COPY), never load every row.
 */
export interface ExportDataSource<F extends object = Record<string, unknown>> {
  /** The number of rows `rows` will yield, if cheap to know (used for progress); null if unknown. */
  count?(request: ExportDataRequest<F>): Promise<number | null>;
  /** Batches of rows. Must release its connection/cursor when the consumer stops early. */
  rows(request: ExportDataRequest<F>): AsyncIterable<readonly ExportRow[]>;
}

/**
 * The registration mechanism hosts use: `set(type, source)` at module init, `get(type)` when an
 * export runs. Provided and exported by `ExportsModule` under `EXPORT_DATA_SOURCES`.
 */
export class ExportDataSourceRegistry {
  private readonly sources = new Map<string, ExportDataSource<object>>();

  set<F extends object>(type: string, source: ExportDataSource<F>): void {
    if (this.sources.has(type)) throw new Error(`a data source for export type "${type}" is already set`);
    this.sources.set(type, source as unknown as ExportDataSource<object>);
  }

  get(type: string): ExportDataSource<object> | undefined {
    return this.sources.get(type);
  }

  has(type: string): boolean {
    return this.sources.has(type);
  }
}

export const EXPORT_DATA_SOURCES = Symbol('EXPORT_DATA_SOURCES');
