import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

@Entity({ schema: 'imports', tableName: 'import_record' })
export class ImportRecordEntity {
  [OptionalProps]?: 'status' | 'dryRun' | 'onError' | 'finalizedAt' | 'completedAt' | 'createdAt' | 'updatedAt' | 'expectedReferenceCount';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  tenant!: string;

  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'text' })
  sourceName!: string;

  @Property({ type: 'text', nullable: true })
  processorName: string | null = null;

  @Property({ type: 'text', nullable: true })
  processorVersion: string | null = null;

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: 'text', nullable: true })
  searchString: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true, fieldName: 'searched_at' })
  searchedAt: Date | null = null;

  @Property({ type: 'integer' })
  expectedReferenceCount: number = -1;

  @Property({ type: 'boolean' })
  dryRun: boolean = false;

  @Property({ type: 'text' })
  onError: 'continue' | 'abort' = 'continue';

  @Property({ type: 'text' })
  status: string = 'created';

  @Property({ type: 'datetime', nullable: true })
  finalizedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  completedAt: Date | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
