import { Module } from '@nestjs/common';

/** The directory as an imports host: its import types and processors. */
@Module({})
export class DirectoryImportsHostModule {}
