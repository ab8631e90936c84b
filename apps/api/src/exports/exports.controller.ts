import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiExtension, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  DeleteExportCommand,
  DownloadExportFileQuery,
  DownloadLinkedExportFileQuery,
  ExportInfo,
  ExportTypeInfo,
  GetExportInfoQuery,
  ListExportsQuery,
  ListExportTypesQuery,
  CreateExportDownloadLinkCommand,
  ExportDownloadLink,
  RequestExportCommand,
  RequestExportResult,
} from '@porter/exports';
import { JobAttachmentUpload, MAX_JOB_ATTACHMENT_BYTES, MAX_JOB_ATTACHMENTS } from '@porter/job-queue';
import {
  AcceptsMultipart,
  CurrentPrincipal,
  jsonObjectField,
  MULTIPART_BODY_EXTENSION,
  PORTER_CONFIG,
  PorterConfig,
  Public,
  receiveFileParts,
  validateRequestBody,
} from '@porter/platform';
import { ResendExportReadyCommand } from '@porter/webhooks';
import { FileDownload, Page, Principal } from '@porter/shared-kernel';
import { countsAsDownload, sendFileDownload } from '../common/send-file-download';
import { ApiProblems } from '../common/problem-responses';
import { CreateDownloadLinkBody, ExportResendDto, ListExportsParams, RequestExportBody } from './exports.dto';
import { ExportDownloadLinkDto, ExportInfoDto, ExportPageDto, ExportTypeDto } from './export.response.dto';

type ExportInfoResponse = ExportInfo & { downloadUrl: string | null };

/**
 * What an export file is served as: its format's media type (CSV and JSONL with `; charset=utf-8`),
 * or application/gzip for a compressed CSV or JSONL (`….csv.gz`, `….jsonl.gz`).
 */
const EXPORT_FILE_TYPES = ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/x-ndjson', 'application/gzip'];
const EXPORT_FILE_CONTENT = Object.fromEntries(EXPORT_FILE_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]));

/**
 * Like the export-file seed's `url`: where the file can be downloaded, null until there is a file
 * and again once it has expired. A path of this API, so it is added here, not by the module.
 */
function withDownloadUrl(info: ExportInfo): ExportInfoResponse {
  return { ...info, downloadUrl: info.result && !info.result.expired ? `/api/v1/exports/${info.id}/download` : null };
}

function requestOf(body: RequestExportBody): RequestExportCommand['request'] {
  return {
    type: body.type,
    format: body.format,
    filters: body.filters ?? {},
    scopeIds: body.scopeIds ?? [],
    name: body.name ?? null,
    scheduledFor: body.scheduledFor ? new Date(body.scheduledFor) : null,
    columns: body.columns ?? null,
    ids: body.ids ?? null,
    compression: body.compression ?? null,
    notify: body.notify ? { ...(body.notify.email !== undefined ? { email: body.notify.email } : {}) } : null,
  };
}

@ApiTags('exports')
@Controller('api/v1/exports')
export class ExportsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  @Get('types')
  @ApiOperation({ summary: 'Export types: scope, retention, formats and filters' })
  @ApiOkResponse({ type: [ExportTypeDto] })
  types(): Promise<ExportTypeInfo[]> {
    return this.queryBus.execute(new ListExportTypesQuery());
  }

  /**
   * JSON, or multipart/form-data when files go with the request (ADR 060): a `request` field with
   * the same JSON object, validated the same way (same 400 problems), then up to 5 `attachment`
   * file parts, streamed into storage and recorded with the job in its submit transaction.
   */
  @Post()
  @HttpCode(202)
  @AcceptsMultipart({ orJson: true })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ type: RequestExportBody })
  @ApiExtension(MULTIPART_BODY_EXTENSION, {
    schema: {
      type: 'object',
      required: ['request'],
      properties: {
        request: { $ref: getSchemaPath(RequestExportBody), description: 'FIRST: the JSON request (the application/json body) as a form field' },
        attachment: {
          type: 'array',
          maxItems: MAX_JOB_ATTACHMENTS,
          items: { type: 'string', format: 'binary' },
          description: `optional, after "request": up to ${MAX_JOB_ATTACHMENTS} files of at most ${MAX_JOB_ATTACHMENT_BYTES} bytes each, stored with the export's job (GET /api/v1/jobs/{jobId}/files)`,
        },
      },
    },
    encoding: { request: { contentType: 'application/json' } },
  })
  @ApiOperation({
    summary: 'Request an export (runs in the background)',
    description:
      'application/json: the request. multipart/form-data: a `request` field holding the same JSON (validated the same way), then up to ' +
      `${MAX_JOB_ATTACHMENTS} \`attachment\` file parts (each at most ${MAX_JOB_ATTACHMENT_BYTES} bytes; 413 beyond), stored and recorded with ` +
      "the export's job before it can run; a refused request stores nothing and creates no job.",
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body → the same export; same key, other body → 422' })
  @ApiAcceptedResponse({
    type: ExportInfoDto,
    description: 'the export (Location: /api/v1/exports/{id}; Idempotent-Replayed: true on a replay)',
    headers: {
      Location: { description: 'the path of the export: /api/v1/exports/{id}', schema: { type: 'string' } },
      'Idempotent-Replayed': { description: '`true` when an earlier request with the same Idempotency-Key and body made this export', schema: { type: 'string', enum: ['true'] } },
    },
  })
  @ApiProblems({
    400: 'malformed request, or a bad file shape (columns, ids, compression): every bad field at once',
    403: 'a global export type without the admin role, or a local one for scopes the caller does not hold all of',
    409: 'the Idempotency-Key was used for an export that has since been deleted (use a new key)',
    413: 'the JSON body (or the multipart request field) past JSON_BODY_LIMIT_BYTES, an attachment too large, or too many',
    415: 'a Content-Type other than application/json or multipart/form-data, or JSON in a charset other than UTF-8',
    422: 'unknown type, a format the type does not offer, bad filters or scopeIds, notify.email without an address or SMTP, an Idempotency-Key reused with another body',
    429: "the tenant's pending jobs limit is reached, or a rate limit (RATE_LIMIT_*)",
  })
  async request(
    @CurrentPrincipal() principal: Principal,
    @Body() json: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExportInfoResponse> {
    const options = { idempotencyKey: idempotencyKey ?? null };
    const result: RequestExportResult = /^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')
      ? await receiveFileParts(
          req.raw,
          {
            maxFiles: MAX_JOB_ATTACHMENTS,
            // One byte past the limit lets the attachment store see the overflow and answer 413.
            maxFileBytes: MAX_JOB_ATTACHMENT_BYTES + 1,
            fileFields: { attachment: MAX_JOB_ATTACHMENTS },
            filesOptional: true,
            maxFieldBytes: this.config.jsonBodyLimitBytes,
          },
          (file): JobAttachmentUpload => file,
          async (parts, fields) => {
            const body = await validateRequestBody((await fields).request, RequestExportBody);
            return this.commandBus.execute(new RequestExportCommand(principal, requestOf(body), { ...options, attachments: parts }));
          },
          { fieldsBeforeFiles: { request: jsonObjectField('request', this.config.jsonBodyLimitBytes) }, requiredFields: ['request'] },
        )
      : await this.commandBus.execute(new RequestExportCommand(principal, requestOf(await validateRequestBody(json, RequestExportBody)), options));
    reply.header('Location', `/api/v1/exports/${result.exportId}`);
    if (!result.created) reply.header('Idempotent-Replayed', 'true');
    return withDownloadUrl(result.export);
  }

  @Get()
  @ApiOperation({ summary: 'Exports the caller may see, newest first' })
  @ApiOkResponse({ type: ExportPageDto })
  @ApiProblems({ 400: 'a bad query parameter' })
  async list(@CurrentPrincipal() principal: Principal, @Query() params: ListExportsParams): Promise<Page<ExportInfoResponse>> {
    const page: Page<ExportInfo> = await this.queryBus.execute(
      new ListExportsQuery(principal, { type: params.type, status: params.status }, params.offset ?? 0, params.limit ?? 20, params.sort),
    );
    return { ...page, items: page.items.map(withDownloadUrl) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One export with its result' })
  @ApiOkResponse({ type: ExportInfoDto })
  @ApiProblems({ 404: 'no such export, or not visible to the caller' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ExportInfoResponse> {
    return withDownloadUrl(await this.queryBus.execute(new GetExportInfoQuery(principal, id)));
  }

  @Get(':id/download')
  @ApiOperation({ summary: 'The export file (permission re-checked, download counted); 410 once expired. One `Range: bytes=…` is answered 206 with Content-Range (416 past the end)' })
  @ApiProduces(...EXPORT_FILE_TYPES)
  @ApiOkResponse({ description: 'The whole file, as its format\'s media type (application/gzip when compressed)', content: EXPORT_FILE_CONTENT })
  @ApiResponse({ status: 206, description: 'The requested byte range', content: EXPORT_FILE_CONTENT })
  @ApiProblems({ 404: 'no such export, or not visible to the caller', 409: 'the file does not exist yet', 410: 'the file has expired', 416: 'the range is wholly past the end' })
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Every check (404/409/410) and the count: the same gate the jobs API's file route relies on.
    const download: FileDownload = await this.queryBus.execute(new DownloadExportFileQuery(principal, id, countsAsDownload(req)));
    await sendFileDownload(req, reply, download);
  }

  @Post(':id/download-link')
  @HttpCode(200)
  @ApiOperation({ summary: 'A link that downloads the file without a token until it expires (local: signed API URL; S3: presigned URL)' })
  @ApiOkResponse({ type: ExportDownloadLinkDto })
  @ApiProblems({ 400: 'expiresInSeconds out of 60–86400', 404: 'no such export, or not visible to the caller', 409: 'the file does not exist yet', 410: 'the file has expired' })
  async downloadLink(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: CreateDownloadLinkBody): Promise<ExportDownloadLink> {
    return this.commandBus.execute(new CreateExportDownloadLinkCommand(principal, id, body?.expiresInSeconds ?? 900));
  }

  @Post(':id/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Emit export.ready again (webhooks) with a fresh link; 409 unless succeeded and unexpired, or when no endpoint subscribes to export.ready' })
  @ApiAcceptedResponse({ type: ExportResendDto, description: 'a new export.ready event (new webhook-id, a fresh download link in each delivery)' })
  @ApiProblems({ 403: 'the caller sees the export but is neither its requester nor a tenant admin', 404: 'no such export, or not visible to the caller', 409: 'the export has not succeeded, its file has expired or was removed, or no endpoint subscribes to export.ready (detail says which)' })
  resend(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<{ eventId: string; deliveries: number }> {
    return this.commandBus.execute(new ResendExportReadyCommand(principal, id));
  }

  @Get(':id/file')
  @Public()
  @ApiOperation({ summary: 'The export file through a signed link (no bearer token); 403 when tampered or expired; counted' })
  @ApiProduces(...EXPORT_FILE_TYPES)
  @ApiOkResponse({ description: 'The whole file, as its format\'s media type (application/gzip when compressed)', content: EXPORT_FILE_CONTENT })
  @ApiResponse({ status: 206, description: 'The requested byte range', content: EXPORT_FILE_CONTENT })
  @ApiProblems({ 403: 'the link is tampered with, incomplete or expired', 404: 'the export no longer exists', 409: 'the export has no file', 410: 'the file has expired', 416: 'the range is wholly past the end' })
  @ApiQuery({ name: 'expires', required: true })
  @ApiQuery({ name: 'sig', required: true })
  async linkedDownload(
    @Param('id') id: string,
    @Query('expires') expires: string | undefined,
    @Query('sig') sig: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const download: FileDownload = await this.queryBus.execute(
      new DownloadLinkedExportFileQuery(id, typeof expires === 'string' ? expires : undefined, typeof sig === 'string' ? sig : undefined, countsAsDownload(req)),
    );
    await sendFileDownload(req, reply, download);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an export (cancels it if running, deletes its file)' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiProblems({ 403: 'the caller sees the export but is neither its requester nor a tenant admin', 404: 'no such export, or not visible to the caller' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.commandBus.execute(new DeleteExportCommand(principal, id));
  }
}
