import { SetMetadata } from '@nestjs/common';
import type { Principal } from '@porter/shared-kernel';
import type { ImportFormat } from '../enums/import-format';

/**
 * Column types the imports module validates before a host sees a row. Values reach the host
 * normalised: `string`/`email`/`uuid` as strings (email lower-cased), `decimal` as a canonical
 * decimal string (exact, never a float), `integer` as a safe integer number, `date` as
 * `YYYY-MM-DD`, `boolean` as true/false; an empty cell is null. `ignored` columns are accepted
 * in the file and never passed on (e.g. an exported `id`).
 */
export type ImportColumnType = 'string' | 'email' | 'decimal' | 'integer' | 'date' | 'boolean' | 'uuid' | 'ignored';

export interface ImportColumn {
  name: string;
  /**
   * Other headers people give this column (`E-mail`, `Email address`). Matched like names:
   * without case, spaces, `_` and `-`. An upload's `mapping` overrides them.
   */
  aliases?: string[];
  type: ImportColumnType;
  required?: boolean;
  /** Longest accepted value, in characters (strings). */
  maxLength?: number;
  /** A value must match (strings); `patternHint` says in words what is expected. */
  pattern?: RegExp;
  patternHint?: string;
  /** For decimals: total significant digits and digits after the point, like numeric(p, s). */
  precision?: number;
  scale?: number;
  description?: string;
}

/** An import type: what a host accepts, declared beside the processor that writes it. */
export interface ImportTypeDefinition {
  type: string;
  description?: string;
  formats: ImportFormat[];
  columns: ImportColumn[];
  /** Columns that identify a row for upserts (documentation and duplicate detection in a chunk). */
  uniqueKey: string[];
  /** Rows per transaction: host writes, results and checkpoint commit together per chunk. */
  chunkSize: number;
}

export type ImportRowValue = string | number | boolean | null;

/** A validated row, as a host processor receives it. */
export interface ImportRow {
  rowNumber: number;
  values: Record<string, ImportRowValue>;
}

export type ImportRowOutcome =
  | { status: 'completed'; referenceId: string | null }
  | { status: 'partially_failed'; referenceId: string | null; failureDetails: string }
  | { status: 'failed'; failureDetails: string };

/**
 * The chunk's transaction, as a host writes through it: what it runs here commits or rolls back
 * together with the row results and the batch checkpoint. SQL is PostgreSQL's, placeholders
 * `$1..$n`. A statement may set and release savepoints (`SAVEPOINT x`, `ROLLBACK TO SAVEPOINT x`)
 * but never ends the transaction.
 */
export interface ImportUnitOfWork {
  /** One statement; its rows and how many rows it affected. */
  query<R extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
  /** `COPY ... FROM STDIN` (text format) of `payload`, e.g. a CopyBuffer's view (@porter/platform). */
  copyFrom(copySql: string, payload: Buffer): Promise<void>;
}

export interface ImportProcessingContext {
  principal: Principal;
  /**
   * The chunk's transaction. The host writes through it ONLY (never its own connection): its
   * writes, the row results and the batch checkpoint commit or roll back together.
   */
  unitOfWork: ImportUnitOfWork;
  importRecordId: string;
  importBatchId: string;
  /** The writes will be rolled back (dry run); reference ids of new rows are not kept. */
  dryRun: boolean;
  /** What `prepare` returned for these same rows, when the host implements it. */
  prepared?: unknown;
}

/** What `prepare` may know: everything but the chunk's transaction. */
export type ImportPreparationContext = Omit<ImportProcessingContext, 'unitOfWork' | 'prepared'>;

/**
 * Implemented by a host, once per import type: write a chunk of validated rows to the host's own
 * tables (in bulk, in the given transaction) and return exactly one outcome per row, in order.
 * Throwing rolls back the whole chunk and the job retries it.
 */
export interface ImportProcessor {
  /**
   * Optional: the part of a chunk's work that needs no database (checks, building a bulk
   * payload), run as soon as the chunk is read, while the previous chunk may still be writing, so
   * it stays off the database's critical path. It must not write anywhere; its result reaches
   * `process` for the same rows as `context.prepared`.
   */
  prepare?(rows: ImportRow[], context: ImportPreparationContext): unknown;
  process(rows: ImportRow[], context: ImportProcessingContext): Promise<ImportRowOutcome[]>;
}

export const IMPORT_PROCESSOR_METADATA = 'porter:import-processor';

/**
 * Registers a provider as the processor of an import type (DI registration by type). Put the
 * class in a host module's providers; the imports module discovers it in the api (for the type
 * list and checks) and in the worker (to process batches).
 */
export const ImportProcessorFor = (definition: ImportTypeDefinition): ClassDecorator =>
  SetMetadata(IMPORT_PROCESSOR_METADATA, definition);
