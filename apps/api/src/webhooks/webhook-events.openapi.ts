import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { JobResponseDto } from '../jobs/dto/job.response.dto';

/*
 * What Porter POSTs to a registered endpoint (docs/notifications.md, "Events"). The document is
 * OpenAPI 3.0, which has no `webhooks` section (3.1 has; @nestjs/swagger emits it only for a 3.1
 * document, and 3.1 would change how every nullable schema of the document is read): each event
 * is a component schema `WebhookEvent_<type>`, and the request headers are `WebhookDeliveryHeaders`.
 */

const SIGNED = 'Sent as POST with content-type application/json and the headers of WebhookDeliveryHeaders (Standard Webhooks).';

@ApiSchema({ name: 'WebhookDeliveryHeaders', description: 'The headers of every webhook delivery request (Standard Webhooks). Verify the signature on the raw body before trusting the request.' })
export class WebhookDeliveryHeadersDto {
  @ApiProperty({ description: "The event's id: the same on every retry and redelivery; receivers deduplicate on it", example: 'msg_2QyJ4c7Xk8Vx1b9FvY6Lm3' })
  'webhook-id'!: string;

  @ApiProperty({ description: 'Unix seconds of this attempt; refuse old ones (replays)', example: '1796464502' })
  'webhook-timestamp'!: string;

  @ApiProperty({
    description: 'Space-separated `v1,<base64 HMAC-SHA256>` of "{webhook-id}.{webhook-timestamp}.{raw body}", keyed by the base64-decoded part of the secret after `whsec_`',
    example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  })
  'webhook-signature'!: string;
}

export class ExportResultSummaryDto {
  @ApiProperty() id!: string;
  @ApiProperty() fileName!: string;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty() sha256!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty() expired!: boolean;
  @ApiProperty() downloadCount!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) firstDownloadedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastDownloadedAt!: string | null;
}

@ApiSchema({ name: 'WebhookExportReadyData', description: 'The export as GET /exports/{id} answers it (ExportInfo), with a fresh download link that needs no token' })
export class WebhookExportReadyDataDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ example: 'employees' }) type!: string;
  @ApiProperty({ enum: ['global', 'local'] }) scope!: string;
  @ApiProperty({ enum: ['csv', 'xlsx', 'jsonl'] }) format!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) filters!: Record<string, unknown>;
  @ApiProperty({ type: [String] }) scopeIds!: string[];
  @ApiProperty({ type: [String], nullable: true }) columns!: string[] | null;
  @ApiProperty({ nullable: true, type: Number }) idsCount!: number | null;
  @ApiProperty({ enum: ['none', 'gzip'] }) compression!: string;
  @ApiProperty({ enum: ['succeeded'] }) status!: string;
  @ApiProperty({ nullable: true, enum: ['success', 'empty', 'failed'] }) outcome!: string | null;
  @ApiProperty({ nullable: true, type: Number }) itemsCount!: number | null;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ enum: ['user', 'app'] }) submitterKind!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) scheduledFor!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'the recurring schedule that requested it; null when asked for directly' }) scheduleId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) processedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) errorMessage!: string | null;
  @ApiProperty({ type: ExportResultSummaryDto }) result!: ExportResultSummaryDto;
  @ApiProperty({ description: 'downloads the file without a token until downloadUrlExpiresAt (a signed API link, or a presigned S3 URL)' }) downloadUrl!: string;
  @ApiProperty({ format: 'date-time', description: '24 h after the attempt' }) downloadUrlExpiresAt!: string;
}

@ApiSchema({ name: 'WebhookImportCompletedData', description: 'The import record as the imports API answers it, with its batches and their counts' })
export class WebhookImportCompletedDataDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'employees' }) type!: string;
  @ApiProperty() sourceName!: string;
  @ApiProperty({ example: 'completed' }) status!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finalizedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt!: string | null;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'each batch with its counts, as GET /imports/{id} answers them' })
  batches!: Array<Record<string, unknown>>;
}

@ApiSchema({ name: 'WebhookPingData' })
export class WebhookPingDataDto {
  @ApiProperty({ format: 'uuid', description: 'the endpoint pinged' }) webhookId!: string;
}

function eventSchema(type: string, when: string, data: new () => unknown) {
  @ApiSchema({ name: `WebhookEvent_${type}`, description: `Body of a \`${type}\` delivery: ${when}. ${SIGNED}` })
  class WebhookEvent {
    @ApiProperty({ enum: [type] }) type!: string;
    @ApiProperty({ format: 'date-time', description: 'when the event was recorded' }) timestamp!: string;
    @ApiProperty({ type: data }) data!: unknown;
  }
  Object.defineProperty(WebhookEvent, 'name', { value: `WebhookEvent_${type.replace('.', '_')}` });
  return WebhookEvent;
}

/** One schema per event type; registered with ApiExtraModels on the webhooks controller. */
export const WEBHOOK_EVENT_MODELS = [
  WebhookDeliveryHeadersDto,
  JobResponseDto,
  WebhookExportReadyDataDto,
  WebhookImportCompletedDataDto,
  WebhookPingDataDto,
  eventSchema('job.succeeded', 'a job succeeded (any job type but webhook.deliver); data is the Job as GET /jobs/{id}', JobResponseDto),
  eventSchema('job.failed', 'a job failed for good; data is the Job as GET /jobs/{id}', JobResponseDto),
  eventSchema('job.cancelled', 'a job was cancelled; data is the Job as GET /jobs/{id}', JobResponseDto),
  eventSchema('export.ready', "an export's job succeeded, or POST /exports/{id}/resend", WebhookExportReadyDataDto),
  eventSchema('import.completed', 'an import record completed', WebhookImportCompletedDataDto),
  eventSchema('ping', 'POST /webhooks/{id}/ping', WebhookPingDataDto),
];
