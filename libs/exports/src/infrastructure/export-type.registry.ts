import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { findDecoratedProviders } from '@porter/platform';
import type { CatalogedExportType, ExportTypeCatalog } from '../application/ports/export-type-catalog.port';
import {
  EXPORT_DATA_SOURCE_METADATA,
  ExportDataSource,
  ExportTypeDefinition,
} from '../public/dependencies/export-data-source.dependency';

/**
 * Collects every provider marked @ExportDataSourceFor(definition), in whichever host module it
 * lives: the exports module knows its types without knowing its hosts. One per application.
 */
@Injectable()
export class ExportTypeRegistry implements ExportTypeCatalog, OnModuleInit {
  private readonly types = new Map<string, CatalogedExportType>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const { metadata: definition, instance, className } of findDecoratedProviders<ExportTypeDefinition>(this.discovery, EXPORT_DATA_SOURCE_METADATA)) {
      if (this.types.has(definition.type)) throw new Error(`export type "${definition.type}" is already defined`);
      const source = instance as ExportDataSource<object>;
      if (typeof source.rows !== 'function') throw new Error(`@ExportDataSourceFor("${definition.type}") is on ${className}, which has no rows() method`);
      validateDefinition(definition);
      this.types.set(definition.type, {
        definition: Object.freeze({ neutralizeFormulas: true, ...definition, formats: [...definition.formats], columns: Object.freeze([...definition.columns]) }),
        source,
      });
    }
  }

  list(): Readonly<ExportTypeDefinition>[] {
    return [...this.types.values()].map((t) => t.definition).sort((a, b) => a.type.localeCompare(b.type));
  }

  find(type: string): CatalogedExportType | null {
    return this.types.get(type) ?? null;
  }
}

function validateDefinition(definition: ExportTypeDefinition): void {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(definition.type)) {
    throw new Error(`export type "${definition.type}" must be kebab-case (a-z, 0-9, -), at most 63 characters`);
  }
  if (!Number.isInteger(definition.retentionPeriodDays) || definition.retentionPeriodDays < 1) {
    throw new Error(`export type "${definition.type}": retentionPeriodDays must be a positive integer`);
  }
  if (!definition.formats.length) throw new Error(`export type "${definition.type}" must allow at least one format`);
  const keys = definition.columns.map((c) => c.key);
  if (!keys.length || new Set(keys).size !== keys.length) throw new Error(`export type "${definition.type}" must declare distinct columns`);
  if (definition.keyColumn !== undefined && !keys.includes(definition.keyColumn)) {
    throw new Error(`export type "${definition.type}": keyColumn "${definition.keyColumn}" is not one of its columns`);
  }
}
