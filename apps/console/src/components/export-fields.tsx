import { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ExportType } from '../model';
import { hasBodyProperty } from '../features';
import { claimsOf, session } from '../api';
import { FieldError } from './ui';

type FieldKind = 'boolean' | 'date' | 'number' | 'text';

/** The input a filter gets, from the validation rules the type declares for it. */
function kindOf(rules: string[]): FieldKind {
  const r = rules.map((x) => x.toLowerCase());
  if (r.includes('isboolean')) return 'boolean';
  if (r.some((x) => x.includes('day') || x.includes('date') || x.includes('iso8601'))) return 'date';
  if (r.some((x) => x === 'isint' || x === 'isnumber' || x === 'min' || x === 'max')) return 'number';
  return 'text';
}

/** `hiredAfter` → `Hired after`. */
const humanize = (name: string) => {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/**
 * What to export — type, format, one field per declared filter, columns, scopes, gzip — as one
 * piece of state, shared by the export form and the recurring-schedule form. `postPath` is the
 * endpoint the body goes to (gzip is offered where its body declares `compression`).
 */
/** Global types cover the whole tenant: the API lets admins only export them. */
export const mayUse = (type: ExportType, admin: boolean) => admin || type.scope !== 'global';
const isAdmin = () => !!claimsOf(session.token()).roles?.includes('admin');

export function useExportFields(types: ExportType[], postPath: string) {
  const admin = isAdmin();
  // The first type this person may export (a non-admin's first local type), not one the API would refuse.
  const [typeName, setTypeName] = useState((types.find((t) => mayUse(t, admin)) ?? types[0])?.type ?? '');
  const type = types.find((t) => t.type === typeName) ?? types[0];
  const [format, setFormat] = useState(type?.formats[0] ?? 'csv');
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [columns, setColumns] = useState<string[]>([]);
  const [scopeIds, setScopeIds] = useState('');
  const [gzip, setGzip] = useState(false);
  const [gzipAvailable, setGzipAvailable] = useState(false);
  useEffect(() => void hasBodyProperty(`/api/v1${postPath}`, 'post', 'compression').then(setGzipAvailable), []);
  useEffect(() => {
    if (type && !type.formats.includes(format)) setFormat(type.formats[0]);
    setFilters({});
    setColumns(type?.columns?.map((c) => c.name) ?? []);
  }, [typeName]);

  /** The request body's export part (type, format, filters, scopeIds, columns, compression). */
  const body = (): Record<string, unknown> => {
    if (!type) return {};
    const out: Record<string, unknown> = { type: type.type, format };
    const f: Record<string, unknown> = {};
    for (const field of type.filters) {
      const raw = filters[field.name];
      if (raw === undefined || raw === '') continue;
      const kind = kindOf(field.rules);
      f[field.name] = kind === 'boolean' ? raw === 'true' : kind === 'number' ? Number(raw) : raw;
    }
    if (Object.keys(f).length) out.filters = f;
    const scopes = scopeIds.split(',').map((s) => s.trim()).filter(Boolean);
    if (scopes.length) out.scopeIds = scopes;
    if (type.columns && columns.length !== type.columns.length) out.columns = columns;
    if (gzipAvailable && gzip) out.compression = 'gzip';
    return out;
  };
  /** What the API would refuse, said before sending: field → message (empty when nothing). */
  const check = (): Record<string, string> => (type?.columns && !columns.length ? { columns: 'Tick at least one column (all of them ticked exports every column).' } : {});
  return { admin, types, type, typeName, setTypeName, format, setFormat, filters, setFilters, columns, setColumns, scopeIds, setScopeIds, gzip, setGzip, gzipAvailable, body, check };
}

export type ExportFieldsState = ReturnType<typeof useExportFields>;

/** The generated fields; `head` goes after type and format, `tail` after scopes and gzip; `errors` (field → message) show at their fields. */
export function ExportFields({ state, head, tail, errors = {} }: { state: ExportFieldsState; head?: ComponentChildren; tail?: ComponentChildren; errors?: Record<string, string> }) {
  const { admin, types, type, format, setFormat, filters, setFilters, columns, setColumns, scopeIds, setScopeIds, gzip, setGzip, gzipAvailable } = state;
  if (!type) return <p class="empty">No export types are registered.</p>;
  return (
    <>
      <div class="row">
        <label>
          Type
          <select name="type" value={type.type} onChange={(e) => state.setTypeName(e.currentTarget.value)}>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type} ({mayUse(t, admin) ? t.scope : 'global, admins only'})
              </option>
            ))}
          </select>
        </label>
        <label>
          Format
          <select name="format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
            {type.formats.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        {head}
      </div>
      {type.description && <p class="hint">{type.description}</p>}
      {!admin && types.some((t) => !mayUse(t, admin)) && (
        <p class="hint" data-testid="global-types-note">
          Global types export the whole tenant: only admins may request them (the API would refuse yours). Choose a scoped type.
        </p>
      )}
      {type.filters.length > 0 && (
        <fieldset>
          <legend>Filters</legend>
          <div class="row">
            {type.filters.map((field) => {
              const kind = kindOf(field.rules);
              const value = filters[field.name] ?? '';
              const set = (v: string) => setFilters({ ...filters, [field.name]: v });
              return (
                <label key={field.name}>
                  {humanize(field.name)}
                  {kind === 'boolean' ? (
                    <select name={`filter-${field.name}`} value={value} onChange={(e) => set(e.currentTarget.value)}>
                      <option value="">any</option>
                      <option value="true">yes</option>
                      <option value="false">no</option>
                    </select>
                  ) : (
                    <input name={`filter-${field.name}`} type={kind} value={value} onInput={(e) => set(e.currentTarget.value)} />
                  )}
                </label>
              );
            })}
          </div>
        </fieldset>
      )}
      {type.columns && (
        <fieldset aria-describedby={errors.columns ? 'columns-error' : undefined}>
          <legend>Columns</legend>
          <div class="row">
            {type.columns.map((c) => (
              <label key={c.name} class="check">
                <input
                  type="checkbox"
                  name="columns"
                  value={c.name}
                  checked={columns.includes(c.name)}
                  onChange={(e) => setColumns(e.currentTarget.checked ? type.columns!.map((x) => x.name).filter((n) => n === c.name || columns.includes(n)) : columns.filter((n) => n !== c.name))}
                />{' '}
                {c.label ?? c.name}
              </label>
            ))}
          </div>
          <FieldError id="columns-error" message={errors.columns} />
        </fieldset>
      )}
      <div class="row">
        {type.scope === 'local' && (
          <label>
            Scope ids (comma-separated) <input name="scopeIds" required value={scopeIds} onInput={(e) => setScopeIds(e.currentTarget.value)} />
          </label>
        )}
        {tail}
        {gzipAvailable && (
          <label class="check">
            <input type="checkbox" name="gzip" checked={gzip} onChange={(e) => setGzip(e.currentTarget.checked)} /> Compress (gzip)
          </label>
        )}
      </div>
    </>
  );
}
