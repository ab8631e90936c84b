import { Migration } from '@mikro-orm/migrations';

/** The reference host domain's own schema: employees of a tenant. */
export class Migration20261122400000DirectoryEmployees extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE SCHEMA IF NOT EXISTS directory`);
    this.addSql(`
      CREATE TABLE directory.employee (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant text NOT NULL,
        first_name text NOT NULL,
        last_name text NOT NULL,
        email text NOT NULL,
        department text NULL,
        salary numeric(14, 2) NULL,
        hired_at date NULL,
        active boolean NOT NULL DEFAULT true,
        scope_id text NULL,
        notes text NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Emails are stored lower-cased by the writers; uniqueness is per tenant.
    this.addSql(`CREATE UNIQUE INDEX employee_tenant_email_uq ON directory.employee (tenant, email)`);
    this.addSql(`CREATE INDEX employee_tenant_scope_idx ON directory.employee (tenant, scope_id)`);
    this.addSql(`CREATE INDEX employee_tenant_department_idx ON directory.employee (tenant, department)`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS directory.employee`);
  }
}
