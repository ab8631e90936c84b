import { IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class SubmitTestJobRequestDto {
  @IsString()
  @Matches(/^porter-test\.[a-z0-9-]+$/, { message: 'type must be a porter-test.* job type' })
  type: string;

  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  scheduledFor?: string;

  @IsOptional()
  @IsInt()
  priority?: number;

  @IsOptional()
  @IsString()
  idempotencyKey?: string;
}
