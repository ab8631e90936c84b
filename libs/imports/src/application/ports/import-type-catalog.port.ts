import type { ImportProcessor, ImportTypeDefinition } from '../../public/dependencies/import-processor.dependency';

/** The import types registered by hosts (@ImportProcessorFor), with their processors. */
export interface ImportTypeCatalog {
  list(): ImportTypeDefinition[];
  find(type: string): ImportTypeDefinition | null;
  processor(type: string): ImportProcessor | null;
}

export const IMPORT_TYPE_CATALOG = Symbol('IMPORT_TYPE_CATALOG');
