import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AddImportBatchesHandler, AddImportBatchHandler } from './application/add-import-batch/add-import-batch.handler';
import { ImportBatchIntake } from './application/add-import-batch/import-batch-intake';
import { CreateImportRecordHandler } from './application/create-import-record/create-import-record.handler';
import { DeleteImportRecordHandler } from './application/delete-import-record/delete-import-record.handler';
import { FinalizeImportRecordHandler } from './application/finalize-import-record/finalize-import-record.handler';
import { ListCompletedImportRecordsHandler } from './application/list-completed-import-records/list-completed-import-records.handler';
import { GetFailedRowsFileHandler } from './application/get-failed-rows-file/get-failed-rows-file.handler';
import { GetImportBatchHandler } from './application/get-import-batch/get-import-batch.handler';
import { GetImportRecordHandler } from './application/get-import-record/get-import-record.handler';
import { GetImportTemplateHandler } from './application/get-import-template/get-import-template.handler';
import { ListImportRecordsHandler } from './application/list-import-records/list-import-records.handler';
import { ListImportResultsHandler } from './application/list-import-results/list-import-results.handler';
import { ListImportTypesHandler } from './application/list-import-types/list-import-types.handler';
import { IMPORT_FILE_READERS } from './application/ports/import-file-reader.port';
import { IMPORT_RESULTS_READER } from './application/ports/import-results-reader.port';
import { IMPORT_TEMPLATE_WRITER } from './application/ports/import-template.port';
import { IMPORT_BATCH_STORE } from './application/ports/import-batch-store.port';
import { IMPORT_TYPE_CATALOG } from './application/ports/import-type-catalog.port';
import { IMPORTS_REPOSITORY } from './application/ports/imports-repository.port';
import { UPLOAD_STORE } from './application/ports/upload-store.port';
import { RetryFailedRowsHandler } from './application/retry-failed-rows/retry-failed-rows.handler';
import { DEFAULT_IMPORT_LIMITS, IMPORT_LIMITS } from './domain/import-limits';
import { ImportTypeRegistry } from './infrastructure/import-type.registry';
import { ImportBatchEntity } from './infrastructure/persistence/import-batch.entity';
import { ImportRecordEntity } from './infrastructure/persistence/import-record.entity';
import { MikroImportsRepository } from './infrastructure/persistence/mikro-imports.repository';
import { PgImportBatchStore } from './infrastructure/persistence/pg-import-batch.store';
import { PgImportResultsReader } from './infrastructure/persistence/pg-import-results.reader';
import { ImportJobEndedHandler } from './infrastructure/jobs/import-job-ended.handler';
import { FileImportTemplateWriter } from './infrastructure/templates/import-template.writer';
import { importFileReaders } from './infrastructure/parsing/import-file-readers';
import { StorageUploadStore } from './infrastructure/upload/storage-upload.store';

/** Imports: records → batches → per-row results (API and worker processes). */
@Module({
  imports: [DiscoveryModule, MikroOrmModule.forFeature([ImportRecordEntity, ImportBatchEntity])],
  providers: [
    ImportTypeRegistry,
    { provide: IMPORT_TYPE_CATALOG, useExisting: ImportTypeRegistry },
    { provide: IMPORTS_REPOSITORY, useClass: MikroImportsRepository },
    { provide: IMPORT_RESULTS_READER, useClass: PgImportResultsReader },
    { provide: UPLOAD_STORE, useClass: StorageUploadStore },
    { provide: IMPORT_TEMPLATE_WRITER, useClass: FileImportTemplateWriter },
    { provide: IMPORT_LIMITS, useValue: DEFAULT_IMPORT_LIMITS },
    // The API reads an XLSX upload's header row at upload; the worker reads every format.
    { provide: IMPORT_FILE_READERS, useFactory: importFileReaders, inject: [IMPORT_LIMITS] },
    { provide: IMPORT_BATCH_STORE, useClass: PgImportBatchStore },
    ImportJobEndedHandler,
    CreateImportRecordHandler,
    ImportBatchIntake,
    AddImportBatchHandler,
    AddImportBatchesHandler,
    FinalizeImportRecordHandler,
    DeleteImportRecordHandler,
    RetryFailedRowsHandler,
    GetImportRecordHandler,
    ListCompletedImportRecordsHandler,
    ListImportRecordsHandler,
    GetImportBatchHandler,
    ListImportResultsHandler,
    GetFailedRowsFileHandler,
    ListImportTypesHandler,
    GetImportTemplateHandler,
  ],
  exports: [IMPORT_TYPE_CATALOG, IMPORT_LIMITS, IMPORT_BATCH_STORE, IMPORT_FILE_READERS, UPLOAD_STORE],
})
export class ImportsModule {}
