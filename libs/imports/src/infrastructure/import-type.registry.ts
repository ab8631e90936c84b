import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { ImportTypeCatalog } from '../application/ports/import-type-catalog.port';
import { normalizeColumnName } from '../domain/column-resolution';
import {
  IMPORT_PROCESSOR_METADATA,
  ImportProcessor,
  ImportTypeDefinition,
} from '../public/dependencies/import-processor.dependency';

/**
 * Collects every provider marked @ImportProcessorFor(definition), in whichever host module it
 * lives: DI registration by type, without the imports module knowing its hosts.
 */
@Injectable()
export class ImportTypeRegistry implements ImportTypeCatalog, OnModuleInit {
  private readonly types = new Map<string, { definition: ImportTypeDefinition; processor: ImportProcessor }>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const definition = this.reflector.get<ImportTypeDefinition | undefined>(IMPORT_PROCESSOR_METADATA, metatype);
      if (!definition) continue;
      if (this.types.has(definition.type)) throw new Error(`Import type "${definition.type}" is registered twice`);
      if (typeof (instance as ImportProcessor).process !== 'function') {
        throw new Error(`@ImportProcessorFor("${definition.type}") is on ${metatype.name}, which has no process() method`);
      }
      validateDefinition(definition);
      this.types.set(definition.type, { definition, processor: instance as ImportProcessor });
    }
  }

  list(): ImportTypeDefinition[] {
    return [...this.types.values()].map((t) => t.definition).sort((a, b) => a.type.localeCompare(b.type));
  }

  find(type: string): ImportTypeDefinition | null {
    return this.types.get(type)?.definition ?? null;
  }

  processor(type: string): ImportProcessor | null {
    return this.types.get(type)?.processor ?? null;
  }
}

function validateDefinition(d: ImportTypeDefinition): void {
  const names = new Set<string>();
  const spellings = new Map<string, string>();
  for (const c of d.columns) {
    const key = c.name.toLowerCase();
    if (names.has(key)) throw new Error(`Import type "${d.type}" declares column "${c.name}" twice`);
    names.add(key);
    // Names and aliases are matched normalised: two columns must never share a spelling.
    for (const spelling of [c.name, ...(c.aliases ?? [])]) {
      const normal = normalizeColumnName(spelling);
      const owner = spellings.get(normal);
      if (owner !== undefined && owner !== c.name) throw new Error(`Import type "${d.type}": "${spelling}" names both "${owner}" and "${c.name}"`);
      spellings.set(normal, c.name);
    }
  }
  for (const k of d.uniqueKey) if (!names.has(k.toLowerCase())) throw new Error(`Import type "${d.type}": unique key column "${k}" is not a column`);
  if (!Number.isInteger(d.chunkSize) || d.chunkSize < 1 || d.chunkSize > 50_000) throw new Error(`Import type "${d.type}": chunkSize must be 1..50000`);
}
