import { Module } from '@nestjs/common';
import { EmployeesImportProcessor } from './employees-import.processor';

/** The directory as an imports host: its import types and processors (found by @ImportProcessorFor). */
@Module({ providers: [EmployeesImportProcessor] })
export class DirectoryImportsHostModule {}
