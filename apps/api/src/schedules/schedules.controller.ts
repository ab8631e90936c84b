import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CreateExportScheduleCommand,
  DeleteExportScheduleCommand,
  ExportSchedule,
  ExportScheduleRunExport,
  GetExportScheduleQuery,
  ListExportScheduleRunsQuery,
  ListExportSchedulesQuery,
  RunExportScheduleNowCommand,
  UpdateExportScheduleCommand,
} from '@porter/scheduling';
import { CurrentPrincipal } from '@porter/platform';
import { Page, Principal } from '@porter/shared-kernel';
import { SortedPageParams } from '../common/page-params.dto';
import { ApiProblems } from '../common/problem-responses';
import { validateCollectingErrors } from '../common/validate-collecting-errors';
import {
  CreateExportScheduleBody,
  ExportScheduleDto,
  ExportSchedulePageDto,
  ExportScheduleRunExportDto,
  ExportScheduleRunPageDto,
  UpdateExportScheduleBody,
} from './schedules.dto';

/** Recurring exports (docs/exports.md, "Recurring exports"). */
@ApiTags('export-schedules')
@Controller('api/v1/export-schedules')
export class SchedulesController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a recurring export (cron in an IANA time zone); one 400 names every bad field' })
  @ApiBody({ type: CreateExportScheduleBody })
  @ApiCreatedResponse({
    type: ExportScheduleDto,
    description: 'the schedule (Location: /api/v1/export-schedules/{id})',
    headers: { Location: { description: 'the path of the schedule: /api/v1/export-schedules/{id}', schema: { type: 'string' } } },
  })
  @ApiProblems({ 400: 'every bad field at once: the body\'s shape, cron, timezone, and what the exports module refuses (type, format, filters, columns, compression, scopeIds, permission)' })
  async create(@CurrentPrincipal() principal: Principal, @Body() json: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<ExportSchedule> {
    // The body's own problems do not stop the command's checks: one answer lists them all.
    const { body, errors } = await validateCollectingErrors(json, CreateExportScheduleBody);
    const schedule: ExportSchedule = await this.commandBus.execute(new CreateExportScheduleCommand(principal, body, { fieldErrors: errors }));
    reply.header('Location', `/api/v1/export-schedules/${schedule.id}`);
    return schedule;
  }

  @Get()
  @ApiOperation({ summary: 'Schedules the caller manages (its own; a tenant admin: all of the tenant), newest first unless sort=oldest' })
  @ApiOkResponse({ type: ExportSchedulePageDto })
  @ApiProblems({ 400: 'a bad query parameter' })
  list(@CurrentPrincipal() principal: Principal, @Query() params: SortedPageParams): Promise<Page<ExportSchedule>> {
    return this.queryBus.execute(new ListExportSchedulesQuery(principal, params.offset ?? 0, params.limit ?? 20, params.sort));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One schedule, with its next five ticks (nextRuns)' })
  @ApiOkResponse({ type: ExportScheduleDto })
  @ApiProblems({ 404: 'no such schedule, or not managed by the caller' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ExportSchedule> {
    return this.queryBus.execute(new GetExportScheduleQuery(principal, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change cron, timezone or name, pause (enabled: false) or resume' })
  @ApiOkResponse({ type: ExportScheduleDto })
  @ApiProblems({ 400: 'a bad field (cron, timezone, enabled, name)', 404: 'no such schedule, or not managed by the caller' })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateExportScheduleBody): Promise<ExportSchedule> {
    return this.commandBus.execute(new UpdateExportScheduleCommand(principal, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a schedule and its run history (its exports stay)' })
  @ApiNoContentResponse()
  @ApiProblems({ 404: 'no such schedule, or not managed by the caller' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.commandBus.execute(new DeleteExportScheduleCommand(principal, id));
  }

  @Get(':id/runs')
  @ApiOperation({ summary: "The schedule's runs, latest first unless sort=oldest: the ExportInfo of each export, failed runs with their reason" })
  @ApiOkResponse({ type: ExportScheduleRunPageDto })
  @ApiProblems({ 400: 'a bad query parameter', 404: 'no such schedule, or not managed by the caller' })
  runs(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() params: SortedPageParams): Promise<Page<ExportScheduleRunExport>> {
    return this.queryBus.execute(new ListExportScheduleRunsQuery(principal, id, params.offset ?? 0, params.limit ?? 20, params.sort));
  }

  @Post(':id/run-now')
  @HttpCode(202)
  @ApiOperation({ summary: "Run the schedule once now (also while paused), as its owner; the cron ticks don't move" })
  @ApiAcceptedResponse({ type: ExportScheduleRunExportDto })
  @ApiProblems({ 404: 'no such schedule, or not managed by the caller' })
  runNow(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ExportScheduleRunExport> {
    return this.commandBus.execute(new RunExportScheduleNowCommand(principal, id));
  }
}
