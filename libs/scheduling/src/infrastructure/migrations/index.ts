import type { PorterMigration } from '@porter/platform';
import { Migration20261204150000SchedulingSchema } from './20261204150000-scheduling-schema.migration';

export const schedulingMigrations: PorterMigration[] = [{ name: 'Migration20261204150000SchedulingSchema', class: Migration20261204150000SchedulingSchema }];
