import { Module } from '@nestjs/common';
import { DirectoryExportsHostModule } from './infrastructure/exports/directory-exports-host.module';
import { DirectoryImportsHostModule } from './infrastructure/imports/directory-imports-host.module';

/**
 * A reference host domain (employees) that implements the exports and imports dependencies.
 * It is how the product is demonstrated and tested end to end.
 */
@Module({ imports: [DirectoryExportsHostModule, DirectoryImportsHostModule] })
export class DirectoryModule {}
