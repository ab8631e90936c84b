import { Module } from '@nestjs/common';
import { DirectoryExportsHostModule } from './infrastructure/exports/directory-exports-host.module';
import { DirectoryImportsHostModule } from './infrastructure/imports/directory-imports-host.module';
import { EmployeeTransfers } from './application/employee-transfers.service';
import { EMPLOYEE_TRANSFERS } from './public/employee-transfers';

/**
 * A reference host domain (employees) that implements the exports and imports dependencies, and
 * uses their public buses as a client (EmployeeTransfers). It is how the product is demonstrated
 * and tested end to end.
 */
@Module({
  imports: [DirectoryExportsHostModule, DirectoryImportsHostModule],
  providers: [EmployeeTransfers, { provide: EMPLOYEE_TRANSFERS, useExisting: EmployeeTransfers }],
  exports: [EMPLOYEE_TRANSFERS],
})
export class DirectoryModule {}
