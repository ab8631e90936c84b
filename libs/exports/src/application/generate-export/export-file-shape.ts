import { once } from 'events';
import type { Writable } from 'stream';
import { createGzip } from 'zlib';
import { exportFileName } from '../../domain/export-file-name';
import type { ExportColumn } from '../../public/dependencies/export-data-source.dependency';
import type { ExportCompression } from '../../public/entities/export-request-data';
import { FILE_FORMAT_DETAILS } from '../../public/enums/file-format';
import type { ExportRecord } from '../ports/export-repository.port';

/** The declared columns picked and ordered by the request's keys (validated at request time). */
export function selectColumns(declared: readonly ExportColumn[], keys: readonly string[] | null): readonly ExportColumn[] {
  if (!keys) return declared;
  const byKey = new Map(declared.map((c) => [c.key, c]));
  return keys.map((key) => {
    const column = byKey.get(key);
    // A type redeployed without a column an old request chose: the run cannot honour it.
    if (!column) throw new Error(`column "${key}" is no longer declared by the export type`);
    return column;
  });
}

/** `employees-2026-12-04-1a2b3c4d.csv`, or `….csv.gz` as `application/gzip` when compressed. */
export function exportFileDetails(record: Pick<ExportRecord, 'type' | 'createdAt' | 'id' | 'format' | 'compression'>): { fileName: string; contentType: string } {
  const { contentType, extension } = FILE_FORMAT_DETAILS[record.format];
  const fileName = exportFileName(record.type, record.createdAt, record.id, extension);
  return record.compression === 'gzip' ? { fileName: `${fileName}.gz`, contentType: 'application/gzip' } : { fileName, contentType };
}

export interface ExportOutput {
  /** Where the format writer writes. */
  readonly stream: Writable;
  /** Flushes what compression holds into the file (the file itself stays open for its commit). */
  finish(): Promise<void>;
  abort(): void;
}

/**
 * The file stream itself, or a gzip stream in front of it. The writers respect backpressure on
 * whichever they get, so compression adds a bounded buffer, never the whole file.
 */
export function compressedOutput(compression: ExportCompression, file: Writable): ExportOutput {
  if (compression !== 'gzip') return { stream: file, finish: async () => undefined, abort: () => undefined };
  const gzip = createGzip({ level: 6 });
  gzip.pipe(file, { end: false });
  return {
    stream: gzip,
    async finish() {
      const ended = once(gzip, 'end');
      gzip.end();
      await ended;
    },
    abort() {
      gzip.unpipe(file);
      gzip.destroy();
    },
  };
}
