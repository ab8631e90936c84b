import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsOmittable } from '../common/is-omittable';
import { ImportFormat, ImportResultStatus } from '@porter/imports';
import { BadRequestError } from '@porter/shared-kernel';
import { PageParams, SortedPageParams } from '../common/page-params.dto';
import { IsInstant } from '../common/is-instant';
import { IsDisplaySafe } from '../common/is-display-safe';

export class ImportOptionsBody {
  @ApiPropertyOptional({ description: 'Validate (and run the host writes in a rolled-back savepoint) without keeping anything' })
  @IsOmittable()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ enum: ['continue', 'abort'], default: 'continue' })
  @IsOmittable()
  @IsIn(['continue', 'abort'])
  onError?: 'continue' | 'abort';
}

/** Whether the type exists is checked by the command (422), not here (400). */
export class CreateImportBody {
  @ApiProperty({ example: 'employees' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  type!: string;

  @ApiProperty({ example: 'HR system' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @IsDisplaySafe()
  sourceName!: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @IsDisplaySafe()
  @MaxLength(200)
  processorName?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @IsDisplaySafe()
  @MaxLength(100)
  processorVersion?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @IsDisplaySafe({ multiline: true })
  @MaxLength(4000)
  notes?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(4000)
  searchString?: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-30T08:00:00Z', description: 'ISO 8601: when the search that produced the references ran; not in the future' })
  @IsOmittable()
  @IsInstant()
  searchedAt?: string;

  @ApiProperty({ description: '-1 when unknown', example: -1, maximum: 2_147_483_647 })
  @IsInt()
  @Min(-1)
  @Max(2_147_483_647) // the column is an integer: a larger count failed in SQL without a field path
  expectedReferenceCount!: number;

  @ApiPropertyOptional({ type: ImportOptionsBody })
  @IsOmittable()
  // An array passed ValidateNested and was dropped silently: a requested dry run became a real import.
  @IsObject()
  @ValidateNested()
  @Type(() => ImportOptionsBody)
  options?: ImportOptionsBody;
}

export class ListImportsParams extends SortedPageParams {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  type?: string;

  @ApiPropertyOptional({ enum: ['created', 'started', 'completed'] })
  @IsOptional()
  @IsIn(['created', 'started', 'completed'])
  status?: string;
}

export class ListResultsParams extends PageParams {
  @ApiPropertyOptional({ enum: ImportResultStatus })
  @IsOptional()
  @IsIn(Object.values(ImportResultStatus))
  status?: ImportResultStatus;
}

export class UploadBatchParams {
  @ApiPropertyOptional({ description: 'Import the same file (sha256) into the same record again', default: false })
  @IsOptional()
  @IsIn(['true', 'false'])
  force?: 'true' | 'false';

  @ApiPropertyOptional({ description: 'XLSX: the sheet to read (default: the first); with a CSV or JSONL file: 422' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sheet?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2030-01-31T22:00:00Z',
    description: "ISO 8601 date-time: the earliest time the batch's job runs (a future time schedules it; a past one runs it now)",
  })
  @IsOptional()
  @IsInstant()
  scheduledFor?: string;
}

/**
 * The upload's `mapping` form field (sent before the file parts it applies to): one flat JSON
 * object of file header → column name or null, else 400. Whether it fits the import type is the
 * command's to say (422).
 */
export function readMappingField(value: string, truncated: boolean): Record<string, unknown> {
  if (truncated) throw new BadRequestError('The "mapping" field is too long', [{ path: 'mapping', message: 'must be at most 64 KiB of JSON' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new BadRequestError(`The "mapping" field is not JSON: ${(error as Error).message}`, [{ path: 'mapping', message: 'must be a JSON object' }]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadRequestError('The "mapping" field must be a JSON object', [{ path: 'mapping', message: 'must be a JSON object of file header → column (or null)' }]);
  }
  if (Object.values(parsed).some((v) => v !== null && typeof v === 'object')) {
    throw new BadRequestError('The "mapping" field must be a flat object', [{ path: 'mapping', message: 'values must be column names or null' }]);
  }
  // JSON.parse keeps the last of a repeated header and drops the others without a word.
  const repeated = repeatedFlatKey(value);
  if (repeated !== null) {
    throw new BadRequestError(`The "mapping" field names the header "${repeated.slice(0, 200)}" twice`, [{ path: 'mapping', message: 'must name each file header once' }]);
  }
  return parsed as Record<string, unknown>;
}

/** The first key a valid, flat JSON object text names twice (escapes decoded), or null: every string followed by a colon is a key. */
function repeatedFlatKey(text: string): string | null {
  const seen = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '"') continue;
    const start = i;
    for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    let after = i + 1;
    while (/\s/.test(text[after] ?? '')) after++;
    if (text[after] !== ':') continue;
    const key = JSON.parse(text.slice(start, i + 1)) as string;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return null;
}

export class TemplateParams {
  @ApiPropertyOptional({ enum: ImportFormat, default: ImportFormat.Csv })
  @IsOptional()
  @IsIn(Object.values(ImportFormat))
  format?: ImportFormat;
}
