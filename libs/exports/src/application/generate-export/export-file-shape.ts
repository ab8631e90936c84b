import type { Writable } from 'stream';
import { finished } from 'stream/promises';
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
 *
 * A failing file (the store unreachable, a disk error) destroys the gzip stream with the file's
 * error (ADR 091): `pipe` only unpipes on a destination error, which would leave a writer waiting
 * for a 'drain' of the gzip stream that never comes. Both streams keep an 'error' listener for
 * their whole life, so the failure reaches the writer as the rejection of its next write (or of
 * `finish`), never as an unheard 'error' that crashes the process.
 */
export function compressedOutput(compression: ExportCompression, file: Writable): ExportOutput {
  if (compression !== 'gzip') return { stream: file, finish: async () => undefined, abort: () => undefined };
  const gzip = createGzip({ level: 6 });
  const ignore = () => undefined;
  gzip.on('error', ignore);
  file.on('error', ignore);
  const fileFailed = (error?: Error) => {
    if (!gzip.destroyed) gzip.destroy(error ?? file.errored ?? new Error('the file stream closed before the export was written'));
  };
  const onFileClose = () => fileFailed();
  file.once('error', fileFailed);
  file.once('close', onFileClose);
  const detach = () => {
    file.off('error', fileFailed);
    file.off('close', onFileClose);
  };
  gzip.pipe(file, { end: false });
  return {
    stream: gzip,
    async finish() {
      if (gzip.destroyed) throw gzip.errored ?? new Error('the compressed output was closed');
      // Resolves once every compressed byte went to the file; rejects if gzip (or, through it, the file) fails.
      const ended = finished(gzip, { writable: false });
      gzip.end();
      await ended;
      detach();
    },
    abort() {
      detach();
      gzip.unpipe(file);
      gzip.destroy();
    },
  };
}
