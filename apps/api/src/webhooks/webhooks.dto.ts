import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../common/is-omittable';
import { SortedPageParams } from '../common/page-params.dto';
import { IsDisplaySafe } from '../common/is-display-safe';

export class RegisterWebhookBody {
  @ApiProperty({ example: 'https://hooks.example.com/porter' })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiProperty({ type: [String], example: ['export.ready', 'job.failed'], description: 'job.succeeded, job.failed, job.cancelled, export.ready, import.completed, ping; or ["*"]' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  events!: string[];

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @IsDisplaySafe({ multiline: true })
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookBody {
  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  events?: string[];

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @IsDisplaySafe({ multiline: true })
  description?: string | null;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

export class ListDeliveriesParams extends SortedPageParams {
  @ApiPropertyOptional({ enum: ['pending', 'succeeded', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'succeeded', 'failed'])
  status?: 'pending' | 'succeeded' | 'failed';
}

// ---- Answers ----

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/porter' }) url!: string;
  @ApiProperty({ type: [String], description: 'event types, or ["*"] for all' }) events!: string[];
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'set when Porter disabled the endpoint after a day of failures' }) disabledReason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) disabledAt!: string | null;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'the signing secret: shown only in this answer (and by rotate-secret)' }) secret!: string;
}

export class WebhookEndpointPageDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) items!: WebhookEndpointDto[];
  @ApiProperty() totalRecords!: number;
}

export class WebhookSecretDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'the new signing secret, shown only here' }) secret!: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'also the webhook-id header of every attempt: receivers deduplicate on it' }) eventId!: string;
  @ApiProperty({ example: 'export.ready' }) eventType!: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: Number }) lastStatusCode!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "the receiver's last response body, at most 1 KiB" }) lastResponseBody!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextAttemptAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deliveredAt!: string | null;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] }) items!: WebhookDeliveryDto[];
  @ApiProperty() totalRecords!: number;
}

export class WebhookPingDto {
  @ApiProperty({ description: 'the ping event, its webhook-id' }) eventId!: string;
  @ApiProperty({ format: 'uuid' }) deliveryId!: string;
}

export class WebhookRedeliveryDto {
  @ApiProperty({ format: 'uuid' }) deliveryId!: string;
}
