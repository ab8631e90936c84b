import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, SORT_ORDERS, SortOrder } from '@porter/shared-kernel';

/** `offset` and `limit` of every list endpoint (API.md: Paging); list DTOs extend it. */
export class PageParams {
  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: Number.MAX_SAFE_INTEGER })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  // 1e21 is an integer to JS but reaches SQL as "1e+21", which no bigint accepts (a 500 before).
  @Max(Number.MAX_SAFE_INTEGER)
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
