import { ArrayType, Entity, JsonType, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * ORM mapping of `exports.export_request`, used where the row must join a MikroORM transaction
 * (the request is written in the same transaction as its job). Reads and hot updates go through
 * the repository's SQL (permission filters, atomic counters).
 */
@Entity({ schema: 'exports', tableName: 'export_request' })
export class ExportRequestEntity {
  [OptionalProps]?: 'status' | 'outcome' | 'itemsCount' | 'errorMessage' | 'attempts' | 'createdAt' | 'updatedAt' | 'processedAt' | 'deletedAt' | 'name' | 'idempotencyKey' | 'scheduledFor' | 'requestedByKind' | 'columns' | 'ids' | 'compression' | 'notifyEmail';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  tenant!: string;

  @Property({ type: 'text', fieldName: 'requested_by' })
  requestedBy!: string;

  @Property({ type: 'text', fieldName: 'requested_by_kind' })
  requestedByKind: 'user' | 'app' = 'user';

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true, fieldName: 'scheduled_for' })
  scheduledFor: Date | null = null;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'text' })
  scope!: 'global' | 'local';

  @Property({ type: 'text' })
  format!: string;

  @Property({ type: 'text', nullable: true })
  name: string | null = null;

  @Property({ type: JsonType, columnType: 'jsonb' })
  filters!: Record<string, unknown>;

  @Property({ type: ArrayType, columnType: 'text[]', fieldName: 'scope_ids' })
  scopeIds!: string[];

  @Property({ type: ArrayType, columnType: 'text[]', nullable: true })
  columns: string[] | null = null;

  @Property({ type: ArrayType, columnType: 'text[]', nullable: true })
  ids: string[] | null = null;

  @Property({ type: 'text' })
  compression: 'none' | 'gzip' = 'none';

  @Property({ type: 'text', nullable: true, fieldName: 'notify_email' })
  notifyEmail: string | null = null;

  @Property({ type: 'text' })
  status: string = 'pending';

  @Property({ type: 'text', nullable: true })
  outcome: string | null = null;

  @Property({ type: 'uuid', fieldName: 'job_id' })
  jobId!: string;

  @Property({ type: 'integer', nullable: true, fieldName: 'items_count' })
  itemsCount: number | null = null;

  @Property({ type: 'text', nullable: true, fieldName: 'error_message' })
  errorMessage: string | null = null;

  @Property({ type: 'text', nullable: true, fieldName: 'idempotency_key' })
  idempotencyKey: string | null = null;

  @Property({ type: 'text', fieldName: 'request_fingerprint' })
  requestFingerprint!: string;

  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'datetime', columnType: 'timestamptz', fieldName: 'created_at' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', fieldName: 'updated_at' })
  updatedAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true, fieldName: 'processed_at' })
  processedAt: Date | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true, fieldName: 'deleted_at' })
  deletedAt: Date | null = null;
}
