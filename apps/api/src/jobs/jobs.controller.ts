import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AttachJobFilesCommand,
  CancelJobCommand,
  MAX_JOB_ATTACHMENT_BYTES,
  MAX_JOB_ATTACHMENTS,
  DeleteJobCommand,
  DownloadJobFileQuery,
  GetJobEventsQuery,
  GetJobQuery,
  JobEvent,
  JobFile,
  JobInfo,
  ListJobFilesQuery,
  ListJobsQuery,
  MoveJobToTopCommand,
  RetryJobCommand,
  UpdateJobCommand,
  WatchJobQuery,
} from '@porter/job-queue';
import type { JobStream } from '@porter/job-queue';
import { AcceptsMultipart, CurrentPrincipal, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import type { FileDownload, Page, Principal } from '@porter/shared-kernel';
import { receiveFileParts } from '@porter/platform';
import { countsAsDownload, sendFileDownload } from '../common/send-file-download';
import { ApiProblems } from '../common/problem-responses';
import { sseComment, sseMessage, sseRetry, startEventStream } from '../common/server-sent-events';
import { ListJobsRequestDto } from './dto/list-jobs.request.dto';
import { LiveStreamLimits } from './live-stream-limits';
import { UpdateJobRequestDto } from './dto/update-job.request.dto';
import { JobEventDto, JobFileDto, JobPageDto, JobResponseDto } from './dto/job.response.dto';


/** Beyond this many bytes a stream's client has not read, the stream is dropped (its EventSource reconnects and resumes). */
const MAX_UNREAD_STREAM_BYTES = 1024 * 1024;

@ApiTags('jobs')
@Controller('api/v1/jobs')
export class JobsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    private readonly streamLimits: LiveStreamLimits,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Jobs the caller may see (own jobs; the whole tenant for admins), newest first unless sort=oldest' })
  @ApiOkResponse({ type: JobPageDto })
  @ApiProblems({ 400: 'a bad query parameter or query expression (the detail names its position)' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListJobsRequestDto): Promise<Page<JobInfo>> {
    return this.queries.execute(
      new ListJobsQuery(principal, { status: query.status, type: query.type, submittedBy: query.submittedBy, query: query.query, excludeSystem: query.systemJobs === 'exclude' }, query.offset, query.limit, query.sort),
    );
  }

  @Get(':id')
  @ApiOkResponse({ type: JobResponseDto })
  @ApiProblems({ 404: 'no such job, or not visible to the caller' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<JobInfo> {
    return this.queries.execute(new GetJobQuery(principal, id));
  }

  @Get(':id/stream')
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Live status and progress (Server-Sent Events) until the job ends',
    description:
      'text/event-stream. Events `status` (data `{ status }`) and `progress` (data `{ processed, total, percent }`), each with an ' +
      '`id:` naming the state the client then has; the stream starts with the current state, sends changes (progress at most 4 times ' +
      'a second), a `: keep-alive` comment every JOB_STREAM_HEARTBEAT_MS (15 s), and the server closes it after a final status ' +
      '(succeeded, failed, cancelled, deleted). `Last-Event-ID` resumes: only what differs from that id is sent; 204 when the job ' +
      'is final and the client already has its state (an EventSource then stops reconnecting). Same permission rules as GET /jobs/{id}. ' +
      '429 (Retry-After) past JOB_STREAM_MAX_PER_USER streams open for the caller, or JOB_STREAM_MAX in all, on one API process: poll GET /jobs/{id} meanwhile.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'The id of the last event received (EventSource sends it when it reconnects)' })
  @ApiOkResponse({ description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string', example: 'id: running.-.-\nevent: status\ndata: {"status":"running"}\n\nid: running.40.100\nevent: progress\ndata: {"processed":40,"total":100,"percent":40}\n\n' } } } })
  @ApiNoContentResponse({ description: 'The job is final and the Last-Event-ID already names its final state: nothing to send' })
  @ApiProblems({ 404: 'no such job, or not visible to the caller (before any stream starts)', 429: 'too many streams open, or a rate limit (RATE_LIMIT_*); Retry-After' })
  async stream(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Permission check and first state first: a refusal is an ordinary problem+json answer.
    const stream: JobStream = await this.queries.execute(new WatchJobQuery(principal, id, lastEventId ?? null));
    if (stream.ended && stream.initial.length === 0) {
      await reply.code(204).send();
      return;
    }
    // A stream that stays open takes one of the process's (and the caller's) streams: 429 past a limit.
    const giveBack = stream.ended ? () => undefined : this.streamLimits.acquire(principal);
    // From here the stream is written to Node's response itself: Fastify leaves it alone.
    reply.hijack();
    const res = reply.raw;
    startEventStream(res);
    res.write(sseRetry(3000) + stream.initial.map(sseMessage).join(''));
    if (stream.ended) {
      res.end();
      return;
    }
    let heartbeat: NodeJS.Timeout | undefined;
    let stop: () => void = () => undefined;
    const release = () => {
      clearInterval(heartbeat);
      stop();
      giveBack();
    };
    const send = (chunk: string) => {
      // A client that stopped reading: drop it rather than buffer for it without bound.
      if (res.writableLength > MAX_UNREAD_STREAM_BYTES) {
        release();
        res.destroy();
        return;
      }
      res.write(chunk);
    };
    // Client gone, or the answer ended (the request's own 'close' fires once a GET is read: not a disconnect).
    res.once('close', release);
    heartbeat = setInterval(() => send(sseComment('keep-alive')), this.config.jobStreamHeartbeatMs);
    stop = stream.follow(
      (event) => send(sseMessage(event)),
      () => {
        release();
        res.end();
      },
    );
    // A client gone while the job was read: its 'close' came before the listener above. Without
    // this, its follower and its place among the caller's streams stayed taken until the job ended.
    if (res.closed || res.destroyed) release();
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename, describe or reschedule',
    description:
      'name and description: any job but a deleted one (409). scheduledFor: pending or scheduled jobs only (409 otherwise); ' +
      'a future time makes the job scheduled, null or a past time makes it pending now.',
  })
  @ApiOkResponse({ type: JobResponseDto })
  @ApiProblems({
    400: 'a bad field',
    404: 'no such job, or not visible to the caller',
    409: 'a deleted job, or a reschedule of a job that is no longer pending or scheduled',
    422: 'a name over 200 characters or with control characters or bidirectional-text controls (the field is named)',
  })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateJobRequestDto): Promise<JobInfo> {
    const scheduledFor = body.scheduledFor === undefined ? undefined : body.scheduledFor === null ? null : new Date(body.scheduledFor);
    return this.commands.execute(
      new UpdateJobCommand(principal, id, { name: body.name, description: body.description, scheduledFor }),
    );
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel: cancelled at once, or cancelling while a run stops' })
  @ApiOkResponse({ type: JobResponseDto })
  @ApiProblems({ 404: 'no such job, or not visible to the caller', 409: 'the job has already ended' })
  cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<JobInfo> {
    return this.commands.execute(new CancelJobCommand(principal, id));
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a failed or cancelled job again' })
  @ApiOkResponse({ type: JobResponseDto })
  @ApiProblems({ 404: 'no such job, or not visible to the caller', 409: 'only a failed or cancelled job can run again' })
  retry(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<JobInfo> {
    return this.commands.execute(new RetryJobCommand(principal, id));
  }

  @Post(':id/move-to-top')
  @HttpCode(200)
  @ApiOperation({ summary: 'Admin: make a pending job the next one taken' })
  @ApiOkResponse({ type: JobResponseDto })
  @ApiProblems({ 403: 'not a tenant admin', 404: 'no such job, or not visible to the caller', 409: 'only a pending job can be moved' })
  moveToTop(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<JobInfo> {
    return this.commands.execute(new MoveJobToTopCommand(principal, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Soft-deleted (terminal jobs only); files removed' })
  @ApiProblems({ 404: 'no such job, or not visible to the caller', 409: 'the job has not ended' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.commands.execute(new DeleteJobCommand(principal, id));
  }

  @Get(':id/events')
  @ApiOkResponse({ type: [JobEventDto] })
  @ApiProblems({ 404: 'no such job, or not visible to the caller' })
  events(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<JobEvent[]> {
    return this.queries.execute(new GetJobEventsQuery(principal, id));
  }

  @Get(':id/files')
  @ApiOkResponse({ type: [JobFileDto] })
  @ApiProblems({ 404: 'no such job, or not visible to the caller' })
  files(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<JobFile[]> {
    return this.queries.execute(new ListJobFilesQuery(principal, id));
  }

  @Post(':id/attachments')
  @HttpCode(201)
  @AcceptsMultipart()
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'array', items: { type: 'string', format: 'binary' } } } } })
  @ApiOperation({
    summary: `Attach files to the job's request (a template, notes): at most ${MAX_JOB_ATTACHMENTS} per job, ${MAX_JOB_ATTACHMENT_BYTES / 1024 / 1024} MiB each`,
    description:
      'Multipart, one or more `file` parts, all or none added. They are listed with the job\'s files (kind "attachment"), read at ' +
      'GET /jobs/{id}/files/{name} by whoever may see the job, and removed with the job. 413 past the count or size, 409 for a name taken.',
  })
  @ApiCreatedResponse({ type: [JobFileDto], description: 'the attachments added' })
  @ApiProblems({ 400: 'no file, or a part that is not a file', 404: 'no such job, or not visible to the caller', 409: 'a name taken, or a deleted job', 413: 'past the count or size' })
  async attach(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() req: FastifyRequest): Promise<JobFile[]> {
    return receiveFileParts(
      req.raw,
      // One part past the limit and one byte past the size let the command answer 413 with its own words.
      { maxFiles: MAX_JOB_ATTACHMENTS + 1, maxFileBytes: MAX_JOB_ATTACHMENT_BYTES + 1 },
      (file) => file,
      (parts) => this.commands.execute(new AttachJobFilesCommand(principal, id, parts)),
      // Checked before a byte is stored: another tenant's job is a 404 like a missing one.
      { checkFirst: () => this.queries.execute(new GetJobQuery(principal, id)) },
    );
  }

  @Get(':id/files/:name')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file bytes (the job type may add checks: an export job\'s file is an export download); one `Range: bytes=…` is answered 206 with Content-Range' , content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } })
  @ApiProblems({ 404: 'no such job or file, or not visible to the caller', 410: 'the file has expired (an export past its retention)', 416: 'a range past the end of the file' })
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('name') name: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const download: FileDownload = await this.queries.execute(new DownloadJobFileQuery(principal, id, name, countsAsDownload(req)));
    await sendFileDownload(req, reply, download);
  }
}
