import { BigIntType, Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The batch row. Written by the ORM when created (so it joins the job submission's
 * transaction); the processing job updates it with raw SQL inside each chunk transaction.
 */
@Entity({ schema: 'imports', tableName: 'import_batch' })
export class ImportBatchEntity {
  [OptionalProps]?:
    | 'jobId'
    | 'status'
    | 'header'
    | 'rowsInFile'
    | 'lastRow'
    | 'countCompleted'
    | 'countFailed'
    | 'countPartiallyFailed'
    | 'countPending'
    | 'runToken'
    | 'errorDetails'
    | 'aborted'
    | 'createdAt'
    | 'startedAt'
    | 'completedAt'
    | 'forced'
    | 'sheet'
    | 'mapping'
    | 'columnMapping';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  importRecordId!: string;

  @Property({ type: 'text' })
  tenant!: string;

  @Property({ type: 'uuid', nullable: true })
  jobId: string | null = null;

  @Property({ type: 'text', nullable: true })
  fileName: string | null = null;

  @Property({ type: 'text' })
  format!: string;

  @Property({ type: 'text', nullable: true })
  sheet: string | null = null;

  @Property({ type: 'json', nullable: true })
  mapping: Record<string, string | null> | null = null;

  @Property({ type: 'json', nullable: true, fieldName: 'column_mapping' })
  columnMapping: Record<string, string | null> | null = null;

  @Property({ type: 'text' })
  storageKey!: string;

  @Property({ type: new BigIntType('number') })
  sizeBytes!: number;

  @Property({ type: 'text' })
  sha256!: string;

  @Property({ type: 'boolean' })
  forced: boolean = false;

  @Property({ type: 'text' })
  status: string = 'created';

  @Property({ type: 'json', nullable: true })
  header: string[] | null = null;

  @Property({ type: 'integer', nullable: true })
  rowsInFile: number | null = null;

  @Property({ type: 'integer' })
  lastRow: number = 0;

  @Property({ type: 'integer' })
  countCompleted: number = 0;

  @Property({ type: 'integer' })
  countFailed: number = 0;

  @Property({ type: 'integer' })
  countPartiallyFailed: number = 0;

  @Property({ type: 'integer' })
  countPending: number = 0;

  @Property({ type: 'text', nullable: true })
  runToken: string | null = null;

  @Property({ type: 'text', nullable: true })
  errorDetails: string | null = null;

  @Property({ type: 'boolean' })
  aborted: boolean = false;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  startedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  completedAt: Date | null = null;
}
