import { FieldError, ValidationError } from '@porter/shared-kernel';
import type { ExportTypeDefinition } from '../../public/dependencies/export-data-source.dependency';
import type { ExportRequestData } from '../../public/entities/export-request-data';
import { FileFormat, isFileFormat } from '../../public/enums/file-format';
import type { ExportTypeCatalog } from '../ports/export-type-catalog.port';
import { ExportShape, validateExportShape } from './export-shape.validator';
import { validateExportFilters } from './export-filters.validator';

const MAX_SCOPE_IDS = 100;

/** A request that passed every check but permission, normalised as it is stored. */
export interface ValidExportRequest extends ExportShape {
  definition: Readonly<ExportTypeDefinition>;
  format: FileFormat;
  filters: Record<string, unknown>;
  scopeIds: string[];
  name: string | null;
  scheduledFor: Date | null;
}

/**
 * Every check of an export request but permission: the type (declared by a host),
 * format, scope ids, filters, name and due time (ValidationError, 422, every failing path at once),
 * then the file's shape (BadRequestError, 400). Shared by RequestExportHandler and
 * CheckExportRequestHandler so that a request checked in advance is checked the same way.
 */
export async function validateExportRequest(types: ExportTypeCatalog, request: ExportRequestData): Promise<ValidExportRequest> {
  const definition = types.find(request.type)?.definition;
  if (!definition) {
    throw new ValidationError(`Unknown export type "${request.type}"`, [
      { path: 'type', message: `must be one of: ${types.list().map((t) => t.type).join(', ') || '(none registered)'}` },
    ]);
  }
  const errors: FieldError[] = [];
  if (!isFileFormat(request.format) || !definition.formats.includes(request.format)) {
    errors.push({ path: 'format', message: `must be one of: ${definition.formats.join(', ')}` });
  }
  const scopeIds = [...new Set(request.scopeIds ?? [])].sort();
  if (definition.scope === 'local') {
    if (!scopeIds.length) errors.push({ path: 'scopeIds', message: `is required for the local export type "${definition.type}"` });
    if (scopeIds.length > MAX_SCOPE_IDS) errors.push({ path: 'scopeIds', message: `must hold at most ${MAX_SCOPE_IDS} scope ids` });
    scopeIds.forEach((id, i) => {
      if (typeof id !== 'string' || !id.trim() || id.length > 200) errors.push({ path: `scopeIds.${i}`, message: 'must be a non-empty string of at most 200 characters' });
    });
  } else if (scopeIds.length) {
    errors.push({ path: 'scopeIds', message: `must be empty: "${definition.type}" is a global export type` });
  }
  const filters = request.filters ?? {};
  if (typeof filters !== 'object' || Array.isArray(filters)) errors.push({ path: 'filters', message: 'must be an object' });
  else errors.push(...(await validateExportFilters(definition.filters, filters)));
  const name = request.name?.trim() || null;
  if (name && name.length > 200) errors.push({ path: 'name', message: 'must be at most 200 characters' });
  const scheduledFor = request.scheduledFor ?? null;
  if (scheduledFor && Number.isNaN(scheduledFor.getTime())) errors.push({ path: 'scheduledFor', message: 'must be a valid date' });
  if (errors.length) throw new ValidationError('The export request is invalid', errors);
  const shape = validateExportShape(definition, request);
  return { definition, format: request.format as FileFormat, filters, scopeIds, name, scheduledFor, ...shape };
}
