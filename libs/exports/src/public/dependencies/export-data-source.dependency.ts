import { SetMetadata } from '@nestjs/common';
import type { Principal } from '@porter/shared-kernel';
import type { FileFormat } from '../enums/file-format';

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
  /**
   * Optional, for sources that read with PostgreSQL `COPY (...) TO STDOUT`: the same rows as the
   * raw bytes of COPY's text format (fields of `request.columns`, in that order, separated by
   * tabs; each row ended by LF; NULL as `\N`; backslash escapes; UTF-8), chunked anywhere. CSV and
   * JSON Lines files are then written from the bytes without building a value per field; the
   * values mean exactly what `rows` would yield. Must release its connection when the consumer
   * stops early.
   */
  copyText?(request: ExportDataRequest<F>): AsyncIterable<Buffer>;
}

/**
 * `global`: the export covers the whole tenant and needs an admin. `local`: it covers the
 * operational scopes it is requested for, and only a caller holding every one of them may
 * request, read or download it.
 */
export type ExportScope = 'global' | 'local';

/** A class whose properties carry class-validator decorators: the schema of a type's filters. */
export type ExportFilterSchema = new () => object;

/** Everything Porter knows about one export type, declared by the host that owns the data. */
export interface ExportTypeDefinition {
  /** kebab-case (a-z, 0-9, -), at most 63 characters: it appears in file names. */
  type: string;
  scope: ExportScope;
  retentionPeriodDays: number;
  formats: readonly FileFormat[];
  /**
   * Every column the type can export, in the default file order. A request may pick and order a
   * subset by key (`columns`); the data source is then asked for exactly those.
   */
  columns: readonly ExportColumn[];
  /**
   * The column that a request's explicit `ids` match (the type's record key). Without it the
   * type takes no `ids`.
   */
  keyColumn?: string;
  /** Validated with class-validator (whitelist, no unknown properties); omitted = no filters accepted. */
  filters?: ExportFilterSchema;
  /**
   * Prefix text cells starting with = + - @ tab CR LF with `'` so spreadsheet tools do not run
   * them as formulas. Default true; turn off only for types consumed by machines, never by people.
   */
  neutralizeFormulas?: boolean;
  description?: string;
}

export const EXPORT_DATA_SOURCE_METADATA = 'porter:export-data-source';

/**
 * Declares an export type on the provider that reads its rows (DI registration by type, like
 * `@ImportProcessorFor` and `@JobHandlerFor`). Put the class in a host module's providers; the
 * exports module discovers it at start in the API (request checks, the type list) and in the
 * worker (to generate files). A type declared twice, an invalid definition, or a decorated class
 * without `rows()` stops the start.
 */
export const ExportDataSourceFor = (definition: ExportTypeDefinition): ClassDecorator => SetMetadata(EXPORT_DATA_SOURCE_METADATA, definition);
