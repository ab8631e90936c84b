import { Module } from '@nestjs/common';

/** The directory as an exports host: its export types and data sources. */
@Module({})
export class DirectoryExportsHostModule {}
