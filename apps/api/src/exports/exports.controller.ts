import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
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
} from '@porter/exports';
import { CurrentPrincipal, Public } from '@porter/platform';
import { ResendExportReadyCommand } from '@porter/webhooks';
import { FileDownload, Page, Principal } from '@porter/shared-kernel';
import { sendFileDownload } from '../common/send-file-download';
import { ApiProblems } from '../common/problem-responses';
import { CreateDownloadLinkBody, ExportResendDto, ListExportsParams, RequestExportBody } from './exports.dto';

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

@ApiTags('exports')
@Controller('api/v1/exports')
export class ExportsController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Get('types')
  @ApiOperation({ summary: 'Export types: scope, retention, formats and filters' })
  types(): Promise<ExportTypeInfo[]> {
    return this.queryBus.execute(new ListExportTypesQuery());
  }

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Request an export (runs in the background)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body → the same export; same key, other body → 422' })
  async request(
    @CurrentPrincipal() principal: Principal,
    @Body() body: RequestExportBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExportInfoResponse> {
    const result = await this.commandBus.execute(
      new RequestExportCommand(
        principal,
        {
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
        },
        { idempotencyKey: idempotencyKey ?? null },
      ),
    );
    res.setHeader('Location', `/api/v1/exports/${result.exportId}`);
    if (!result.created) res.setHeader('Idempotent-Replayed', 'true');
    return withDownloadUrl(result.export);
  }

  @Get()
  @ApiOperation({ summary: 'Exports the caller may see, newest first' })
  async list(@CurrentPrincipal() principal: Principal, @Query() params: ListExportsParams): Promise<Page<ExportInfoResponse>> {
    const page: Page<ExportInfo> = await this.queryBus.execute(
      new ListExportsQuery(principal, { type: params.type, status: params.status }, params.offset ?? 0, params.limit ?? 20, params.sort),
    );
    return { ...page, items: page.items.map(withDownloadUrl) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One export with its result' })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ExportInfoResponse> {
    return withDownloadUrl(await this.queryBus.execute(new GetExportInfoQuery(principal, id)));
  }

  @Get(':id/download')
  @ApiOperation({ summary: 'The export file (permission re-checked, download counted); 410 once expired. One `Range: bytes=…` is answered 206 with Content-Range (416 past the end)' })
  @ApiProduces(...EXPORT_FILE_TYPES)
  @ApiOkResponse({ description: 'The whole file, as its format\'s media type (application/gzip when compressed)', content: EXPORT_FILE_CONTENT })
  @ApiResponse({ status: 206, description: 'The requested byte range', content: EXPORT_FILE_CONTENT })
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Every check (404/409/410) and the count: the same gate the jobs API's file route relies on.
    const download: FileDownload = await this.queryBus.execute(new DownloadExportFileQuery(principal, id));
    await sendFileDownload(req, res, download);
  }

  @Post(':id/download-link')
  @HttpCode(200)
  @ApiOperation({ summary: 'A link that downloads the file without a token until it expires (local: signed API URL; S3: presigned URL)' })
  async downloadLink(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: CreateDownloadLinkBody): Promise<ExportDownloadLink> {
    return this.commandBus.execute(new CreateExportDownloadLinkCommand(principal, id, body?.expiresInSeconds ?? 900));
  }

  @Post(':id/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Emit export.ready again (webhooks) with a fresh link; 409 unless succeeded and unexpired' })
  @ApiAcceptedResponse({ type: ExportResendDto, description: 'a new export.ready event (new webhook-id, a fresh download link in each delivery)' })
  @ApiProblems({ 404: 'no such export, or not visible to the caller', 409: 'the export has not succeeded, or its file has expired (detail says which)' })
  resend(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<{ eventId: string; deliveries: number }> {
    return this.commandBus.execute(new ResendExportReadyCommand(principal, id));
  }

  @Get(':id/file')
  @Public()
  @ApiOperation({ summary: 'The export file through a signed link (no bearer token); 403 when tampered or expired; counted' })
  @ApiProduces(...EXPORT_FILE_TYPES)
  @ApiOkResponse({ description: 'The whole file, as its format\'s media type (application/gzip when compressed)', content: EXPORT_FILE_CONTENT })
  @ApiQuery({ name: 'expires', required: true })
  @ApiQuery({ name: 'sig', required: true })
  async linkedDownload(
    @Param('id') id: string,
    @Query('expires') expires: string | undefined,
    @Query('sig') sig: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const download: FileDownload = await this.queryBus.execute(
      new DownloadLinkedExportFileQuery(id, typeof expires === 'string' ? expires : undefined, typeof sig === 'string' ? sig : undefined),
    );
    await sendFileDownload(req, res, download);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an export (cancels it if running, deletes its file)' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.commandBus.execute(new DeleteExportCommand(principal, id));
  }
}
