import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, SORT_ORDERS, SortOrder } from '@porter/shared-kernel';

/** `offset` and `limit` of every list endpoint (API.md: Paging); list DTOs extend it. */
export class PageParams {
  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({ default: DEFAULT_PAGE_LIMIT, minimum: 1, maximum: MAX_PAGE_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;
}

/** Lists ordered by creation time (jobs, exports, import records): `sort=newest` (default) or `oldest`. */
export class SortedPageParams extends PageParams {
  @ApiPropertyOptional({ enum: SORT_ORDERS, default: 'newest', description: 'order by creation time' })
  @IsOptional()
  @IsIn(SORT_ORDERS)
  sort?: SortOrder;
}
