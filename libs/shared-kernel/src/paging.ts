export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 1000;

export interface Page<T> {
  items: T[];
  totalRecords: number;
}

/** The order of a list by creation time (API.md: newest first unless `sort` says otherwise). */
export type SortOrder = 'newest' | 'oldest';
export const SORT_ORDERS: readonly SortOrder[] = ['newest', 'oldest'];

export interface PageRequest {
  offset: number;
  limit: number;
  /** Absent: newest first. */
  order?: SortOrder;
}

/** SQL direction of a creation-time sort. */
export function sqlDirection(order: SortOrder | undefined): 'ASC' | 'DESC' {
  return order === 'oldest' ? 'ASC' : 'DESC';
}

/** Normalises caller-supplied paging: negative or missing values fall back to defaults. */
export function pageRequest(offset?: number, limit?: number, order?: SortOrder): PageRequest {
  const o = Number.isInteger(offset) && (offset as number) >= 0 ? (offset as number) : 0;
  const l = Number.isInteger(limit) && (limit as number) > 0 ? Math.min(limit as number, MAX_PAGE_LIMIT) : DEFAULT_PAGE_LIMIT;
  return { offset: o, limit: l, order: order === 'oldest' ? 'oldest' : 'newest' };
}
