import type { ExportColumn } from '../dependencies/export-data-source.dependency';
import type { FileFormat } from './file-format';

/**
 * `global`: the export covers the whole tenant and needs an admin. `local`: it covers the
 * operational scopes it is requested for, and only a caller holding every one of them may
 * request, read or download it.
 */
export type ExportScope = 'global' | 'local';

/** A class whose properties carry class-validator decorators: the schema of a type's filters. */
export type ExportFilterSchema = new () => object;

/** Everything Porter knows about one export type. Registered once, by the host that owns the data. */
export interface ExportTypeDefinition {
  type: string;
  scope: ExportScope;
  retentionPeriodDays: number;
  formats: readonly FileFormat[];
  /**
   * Every column the type can export, in the default file order. A request may pick and order a
   * subset by key (`columns`); the data source is then asked for exactly those.
   */
  columns: readonly ExportColumn[];
  /**
   * The column that a request's explicit `ids` match (the type's record key). Without it the
   * type takes no `ids`.
   */
  keyColumn?: string;
  /** Validated with class-validator (whitelist, no unknown properties); omitted = no filters accepted. */
  filters?: ExportFilterSchema;
  /**
   * Prefix text cells starting with = + - @ tab CR LF with `'` so spreadsheet tools do not run
   * them as formulas. Default true; turn off only for types consumed by machines, never by people.
   */
  neutralizeFormulas?: boolean;
  description?: string;
}

/** One filter field as `GET /exports/types` describes it (derived from the class-validator schema). */
export interface ExportFilterField {
  name: string;
  rules: string[];
}

/** What `GET /api/v1/exports/types` returns for one type. */
export interface ExportTypeInfo {
  type: string;
  scope: ExportScope;
  retentionPeriodDays: number;
  formats: FileFormat[];
  columns: Array<{ name: string; label: string }>;
  /** The column explicit `ids` match; null when the type takes no ids. */
  keyColumn: string | null;
  filters: ExportFilterField[];
  description: string | null;
}

/**
 * The single source of truth for export types: type → scope, retention, formats, filter schema.
 * Hosts `define` their types at module init (see `EXPORT_TYPE_REGISTRY`); everything else (the
 * request validation, the permission checks, the worker, the REST listing) reads from here.
 */
export class ExportTypeRegistry {
  private readonly definitions = new Map<string, Readonly<ExportTypeDefinition>>();

  define(definition: ExportTypeDefinition): void {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(definition.type)) {
      throw new Error(`export type "${definition.type}" must be kebab-case (a-z, 0-9, -), at most 63 characters`);
    }
    if (this.definitions.has(definition.type)) throw new Error(`export type "${definition.type}" is already defined`);
    if (!Number.isInteger(definition.retentionPeriodDays) || definition.retentionPeriodDays < 1) {
      throw new Error(`export type "${definition.type}": retentionPeriodDays must be a positive integer`);
    }
    if (!definition.formats.length) throw new Error(`export type "${definition.type}" must allow at least one format`);
    const keys = definition.columns.map((c) => c.key);
    if (!keys.length || new Set(keys).size !== keys.length) throw new Error(`export type "${definition.type}" must declare distinct columns`);
    if (definition.keyColumn !== undefined && !keys.includes(definition.keyColumn)) {
      throw new Error(`export type "${definition.type}": keyColumn "${definition.keyColumn}" is not one of its columns`);
    }
    this.definitions.set(
      definition.type,
      Object.freeze({ neutralizeFormulas: true, ...definition, formats: [...definition.formats], columns: Object.freeze([...definition.columns]) }),
    );
  }

  get(type: string): Readonly<ExportTypeDefinition> | undefined {
    return this.definitions.get(type);
  }

  require(type: string): Readonly<ExportTypeDefinition> {
    const definition = this.definitions.get(type);
    if (!definition) throw new Error(`export type "${type}" is not defined`);
    return definition;
  }

  list(): Readonly<ExportTypeDefinition>[] {
    return [...this.definitions.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  isGlobal(type: string): boolean {
    return this.get(type)?.scope === 'global';
  }

  isLocal(type: string): boolean {
    return this.get(type)?.scope === 'local';
  }
}

/** DI token of the process's `ExportTypeRegistry` (provided and exported by `ExportsModule`). */
export const EXPORT_TYPE_REGISTRY = Symbol('EXPORT_TYPE_REGISTRY');
