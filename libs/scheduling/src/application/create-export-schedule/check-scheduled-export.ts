import type { QueryBus } from '@nestjs/cqrs';
import { CheckExportRequestQuery, ExportRequestData, ExportTypeInfo, ListExportTypesQuery } from '@porter/exports';
import type { FieldError, Principal } from '@porter/shared-kernel';

/** Fields the exports module checks before the file's shape: a problem there ends its check (a 422 for POST /exports). */
const REQUEST_FIELDS = new Set(['format', 'filters', 'scopeIds', 'name', 'scheduledFor']);
/** The file's shape, checked only once the request fields passed. */
const SHAPE_FIELDS = new Set(['columns', 'ids', 'compression']);

const fieldOf = (error: FieldError) => error.path.split('.')[0];

/**
 * Every problem the exports module finds with a schedule's request, at once. Its check stops at the
 * first stage that fails (type; then format, scopes, filters; then columns and compression), so when
 * the request fields fail and the type is known, the shape is checked again on its own — with the
 * type's own format, no filters and a placeholder scope — and its problems are added.
 */
export async function checkScheduledExport(queryBus: QueryBus, principal: Principal, request: ExportRequestData): Promise<FieldError[]> {
  const { errors } = await queryBus.execute(new CheckExportRequestQuery(principal, request));
  const stoppedBeforeShape = errors.some((e) => REQUEST_FIELDS.has(fieldOf(e))) && !errors.some((e) => fieldOf(e) === 'type');
  const hasShape = (request.columns !== undefined && request.columns !== null) || (request.compression ?? 'none') !== 'none';
  if (!stoppedBeforeShape || !hasShape) return errors;
  const types: ExportTypeInfo[] = await queryBus.execute(new ListExportTypesQuery());
  const type = types.find((t) => t.type === request.type);
  if (!type?.formats.length) return errors;
  const format = (type.formats as string[]).includes(request.format) ? request.format : (type.formats.find((f) => f !== 'xlsx') ?? type.formats[0]);
  const shapeOnly: ExportRequestData = { ...request, format, filters: {}, scopeIds: type.scope === 'local' ? ['-'] : [], name: null };
  const shape = await queryBus.execute(new CheckExportRequestQuery(principal, shapeOnly));
  return [...errors, ...shape.errors.filter((e) => SHAPE_FIELDS.has(fieldOf(e)))];
}

/**
 * The problems of several checks in order; a later check's problem on a field an earlier one already
 * named is left out (a field the API's shape check refused is missing from `data`, and would be
 * reported again as "is required").
 */
export function mergeFieldErrors(...stages: FieldError[][]): FieldError[] {
  const all: FieldError[] = [];
  for (const stage of stages) {
    const named = new Set(all.map(fieldOf));
    all.push(...stage.filter((e) => !named.has(fieldOf(e)) && !all.some((a) => a.path === e.path && a.message === e.message)));
  }
  return all;
}
