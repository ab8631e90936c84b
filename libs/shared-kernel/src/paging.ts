export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 1000;

export interface Page<T> {
  items: T[];
  totalRecords: number;
}

export interface PageRequest {
  offset: number;
  limit: number;
}

/** Normalises caller-supplied paging: negative or missing values fall back to defaults. */
export function pageRequest(offset?: number, limit?: number): PageRequest {
  const o = Number.isInteger(offset) && (offset as number) >= 0 ? (offset as number) : 0;
  const l = Number.isInteger(limit) && (limit as number) > 0 ? Math.min(limit as number, MAX_PAGE_LIMIT) : DEFAULT_PAGE_LIMIT;
  return { offset: o, limit: l };
}
