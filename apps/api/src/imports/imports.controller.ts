import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  DeleteImportRecordCommand,
  AddImportBatchesCommand,
  CreateImportRecordCommand,
  FinalizeImportRecordCommand,
  GetFailedRowsFileQuery,
  GetImportBatchQuery,
  GetImportRecordQuery,
  GetImportTemplateQuery,
  ImportBatchInfo,
  ImportFormat,
  ImportRecordInfo,
  ImportResultInfo,
  ImportTypeInfo,
  ListImportRecordsQuery,
  ListImportResultsQuery,
  ListImportTypesQuery,
  RetryFailedRowsCommand,
} from '@porter/imports';
import { MAX_JOB_ATTACHMENT_BYTES, MAX_JOB_ATTACHMENTS } from '@porter/job-queue';
import { AcceptsMultipart, CurrentPrincipal, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { FileDownload, Page, Principal } from '@porter/shared-kernel';
import { attachmentDisposition } from '../common/content-disposition';
import { receiveFileParts } from '@porter/platform';
import { sendFileDownload } from '../common/send-file-download';
import { ApiProblems } from '../common/problem-responses';
import { ImportBatchDto, ImportConfigurationDto, ImportRecordDto, ImportRecordPageDto, ImportResultPageDto, ImportTypeDto } from './import.response.dto';
import { CreateImportBody, ListImportsParams, ListResultsParams, readMappingField, TemplateParams, UploadBatchParams } from './imports.dto';

const TEMPLATE_TYPES = ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/x-ndjson'];

@ApiTags('imports')
@Controller('api/v1/imports')
export class ImportsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  @Get('types')
  @ApiOperation({ summary: 'Import types: accepted formats and columns' })
  @ApiOkResponse({ type: [ImportTypeDto] })
  types(): Promise<ImportTypeInfo[]> {
    return this.queryBus.execute(new ListImportTypesQuery());
  }

  @Get('configuration')
  @ApiOperation({ summary: 'Upload limits: largest file (bytes) and files per upload, so a client can check before sending' })
  @ApiOkResponse({ type: ImportConfigurationDto })
  configuration(): { maxUploadBytes: number; maxFilesPerUpload: number } {
    return { maxUploadBytes: this.config.uploadMaxBytes, maxFilesPerUpload: this.config.uploadMaxFiles };
  }

  @Get('types/:type/template')
  @ApiOperation({
    summary: 'An empty file to fill in: CSV or XLSX with the header row only, or JSONL with one object naming every column (values null)',
  })
  @ApiProduces(...TEMPLATE_TYPES)
  @ApiOkResponse({ description: 'the empty file', content: Object.fromEntries(TEMPLATE_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])) })
  @ApiProblems({ 400: 'an unknown format', 404: 'no such import type', 422: 'a format the type does not accept' })
  async template(@Param('type') type: string, @Query() params: TemplateParams, @Res() reply: FastifyReply): Promise<void> {
    const file = await this.queryBus.execute(new GetImportTemplateQuery(type, params.format ?? ImportFormat.Csv));
    // Written as it always was: Node's response, no ETag.
    reply.hijack();
    const res = reply.raw;
    res.statusCode = 200;
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', attachmentDisposition(file.fileName));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(file.body);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an import record (then add batches: uploaded files)' })
  @ApiCreatedResponse({
    type: ImportRecordDto,
    description: 'the record (Location: /api/v1/imports/{id})',
    headers: { Location: { description: 'the path of the import record: /api/v1/imports/{id}', schema: { type: 'string' } } },
  })
  @ApiProblems({ 400: 'malformed request: every bad field at once', 422: 'unknown import type, or searchedAt in the future' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateImportBody, @Res({ passthrough: true }) reply: FastifyReply): Promise<ImportRecordInfo> {
    return this.commandBus
      .execute(
        new CreateImportRecordCommand(principal, {
          type: body.type,
          sourceName: body.sourceName,
          processorName: body.processorName ?? null,
          processorVersion: body.processorVersion ?? null,
          notes: body.notes ?? null,
          searchString: body.searchString ?? null,
          searchedAt: body.searchedAt ? new Date(body.searchedAt) : null,
          expectedReferenceCount: body.expectedReferenceCount,
          options: { dryRun: body.options?.dryRun, onError: body.options?.onError },
        }),
      )
      .then((record) => {
        reply.header('Location', `/api/v1/imports/${record.id}`);
        return record;
      });
  }

  @Get()
  @ApiOperation({ summary: 'Import records the caller may see, newest first' })
  @ApiOkResponse({ type: ImportRecordPageDto })
  @ApiProblems({ 400: 'a bad query parameter' })
  list(@CurrentPrincipal() principal: Principal, @Query() params: ListImportsParams): Promise<Page<ImportRecordInfo>> {
    return this.queryBus.execute(new ListImportRecordsQuery(principal, { type: params.type, status: params.status, offset: params.offset, limit: params.limit, sort: params.sort }));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One import record with its batches' })
  @ApiOkResponse({ type: ImportRecordDto })
  @ApiProblems({ 404: 'no such import record, or not visible to the caller' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ImportRecordInfo> {
    return this.queryBus.execute(new GetImportRecordQuery(principal, id));
  }

  /**
   * The multipart body is streamed (busboy) straight into storage: never buffered whole. The
   * record is checked first, so another tenant's id is a 404 before a byte is stored. The batches
   * commit only once the whole body has been read and accepted (AddImportBatchesCommand): a
   * request refused at any point (413 for one file too many, 415, 400...) leaves no batch, job
   * or stored file, and is answered only after that cleanup. `attachment` parts (ADR 060) are
   * stored as they arrive and recorded with the batch's job in the same transaction.
   */
  @Post(':id/batches')
  @HttpCode(202)
  @AcceptsMultipart()
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        mapping: {
          type: 'string',
          description:
            'optional, BEFORE the file part: JSON object of file header → column name (null ignores that file column); overrides the type\'s names and aliases',
          example: '{"Courriel":"email","Remarques":null}',
        },
        file: { type: 'string', format: 'binary' },
        attachment: {
          type: 'array',
          maxItems: MAX_JOB_ATTACHMENTS,
          items: { type: 'string', format: 'binary' },
          description:
            `optional, before or after the file part (after "mapping"): up to ${MAX_JOB_ATTACHMENTS} files of at most ${MAX_JOB_ATTACHMENT_BYTES} bytes ` +
            "each that go with the batch's job (a template, notes), listed at GET /api/v1/jobs/{jobId}/files; only with a single file",
        },
      },
    },
  })
  @ApiOperation({
    summary: 'Upload a file (CSV, XLSX or JSONL: decided by content) as a new batch; processed in the background',
    description:
      'Answers 202 with the batch (an array when several files were allowed and sent). `scheduledFor` (ISO 8601 date-time) defers the ' +
      "batch's job: a future time makes it `scheduled` (follow it at GET /api/v1/jobs/{jobId}); a past time runs it now.",
  })
  @ApiExtraModels(ImportBatchDto)
  @ApiAcceptedResponse({
    description: 'the batch; an array of batches when several files were sent',
    schema: { oneOf: [{ $ref: getSchemaPath(ImportBatchDto) }, { type: 'array', items: { $ref: getSchemaPath(ImportBatchDto) } }] },
  })
  @ApiProblems({
    400: 'a bad part, field or query parameter',
    404: 'no such import record, or not visible to the caller',
    409: 'the record is finalized, or the same file was imported into it already (force=true imports it again)',
    413: 'a file too large, or too many files',
    415: 'a Content-Type other than multipart/form-data, or a file not CSV, XLSX or JSONL by content',
    422: 'the file does not fit the import type (header, mapping)',
    429: "the tenant's pending jobs limit is reached, or a rate limit (RATE_LIMIT_*)",
  })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() params: UploadBatchParams,
    @Req() req: FastifyRequest,
  ): Promise<ImportBatchInfo | ImportBatchInfo[]> {
    const options = {
      force: params.force === 'true',
      sheet: params.sheet ?? null,
      scheduledFor: params.scheduledFor ? new Date(params.scheduledFor) : null,
    };
    const batches: ImportBatchInfo[] = await receiveFileParts(
      req.raw,
      // One byte past the limit lets the upload store see the overflow and answer 413.
      {
        maxFiles: this.config.uploadMaxFiles + MAX_JOB_ATTACHMENTS,
        maxFileBytes: Math.max(this.config.uploadMaxBytes, MAX_JOB_ATTACHMENT_BYTES) + 1,
        fileFields: { file: this.config.uploadMaxFiles, attachment: MAX_JOB_ATTACHMENTS },
      },
      ({ field, ...file }, fields) => ({ ...file, part: field === 'attachment' ? ('attachment' as const) : ('file' as const), mapping: fields.mapping ?? null }),
      (parts) => this.commandBus.execute(new AddImportBatchesCommand(principal, id, parts, options)),
      { checkFirst: () => this.queryBus.execute(new GetImportRecordQuery(principal, id)), fieldsBeforeFiles: { mapping: readMappingField } },
    );
    return batches.length === 1 ? batches[0] : batches;
  }

  @Post(':id/finalize')
  @HttpCode(200)
  @ApiOperation({ summary: 'No more batches: the record completes once every batch is terminal' })
  @ApiOkResponse({ type: ImportRecordDto })
  @ApiProblems({ 404: 'no such import record, or not visible to the caller' })
  finalize(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ImportRecordInfo> {
    return this.commandBus.execute(new FinalizeImportRecordCommand(principal, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an import record that has no batches',
    description:
      'For a record made for an upload that was refused, or never used. A record with batches keeps them and their per-row results: 409.',
  })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiProblems({ 404: 'no such import record, or not visible to the caller', 409: 'the record has batches' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.commandBus.execute(new DeleteImportRecordCommand(principal, id));
  }

  @Get(':id/batches/:batchId')
  @ApiOperation({ summary: 'One batch with its status and counts' })
  @ApiOkResponse({ type: ImportBatchDto })
  @ApiProblems({ 404: 'no such record or batch, or not visible to the caller' })
  batch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('batchId') batchId: string): Promise<ImportBatchInfo> {
    return this.queryBus.execute(new GetImportBatchQuery(principal, id, batchId));
  }

  @Get(':id/batches/:batchId/results')
  @ApiOperation({ summary: 'Per-row results of a batch, in row order' })
  @ApiOkResponse({ type: ImportResultPageDto })
  @ApiProblems({ 400: 'a bad query parameter', 404: 'no such record or batch, or not visible to the caller' })
  results(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('batchId') batchId: string,
    @Query() params: ListResultsParams,
  ): Promise<Page<ImportResultInfo>> {
    return this.queryBus.execute(new ListImportResultsQuery(principal, id, batchId, { status: params.status, offset: params.offset, limit: params.limit }));
  }

  @Get(':id/batches/:batchId/failed-rows')
  @ApiOperation({ summary: 'CSV of the failed rows in the original columns plus an `error` column, ready to fix and re-upload' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'the failed rows (text/csv; charset=utf-8)', content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } } })
  @ApiProblems({ 404: 'no such record or batch, or not visible to the caller' })
  async failedRows(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('batchId') batchId: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const download: FileDownload = await this.queryBus.execute(new GetFailedRowsFileQuery(principal, id, batchId));
    await sendFileDownload(req, reply, download);
  }

  @Post(':id/batches/:batchId/retry-failed-rows')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Run the failed rows of a finished batch again (a new job on the same batch)',
    description:
      'A batch that ended before the end of its file (aborted, or its job failed or was cancelled midway) is resumed: its failed rows, ' +
      'then the file from the row after the last committed one, going on past failures, so every row ends with one result.',
  })
  @ApiAcceptedResponse({ type: ImportBatchDto })
  @ApiProblems({ 404: 'no such record or batch, or not visible to the caller', 409: 'the batch has not finished, failed as a whole, or has no failed rows to run again' })
  retry(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('batchId') batchId: string): Promise<ImportBatchInfo> {
    return this.commandBus.execute(new RetryFailedRowsCommand(principal, id, batchId));
  }
}
