import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'stream';
import { BadRequestError, PayloadTooLargeError } from '@porter/shared-kernel';
import { FileParts } from './file-parts';

export interface MultipartLimits {
  /** File parts accepted in one body (413 beyond). */
  maxFiles: number;
  /** Bytes per file the parser lets through: one past the consumer's limit, so the consumer sees the overflow and answers 413. */
  maxFileBytes: number;
  /** The form field that carries files. */
  fileField?: string;
}

export interface FilePartInfo {
  stream: Readable;
  fileName: string | null;
  contentType: string | null;
}

/** Reads a form field's value (`truncated`: longer than the 64 KiB the parser keeps); throws to refuse the request. */
export type FormFieldReader = (value: string, truncated: boolean) => unknown;

export interface UploadChecks {
  /**
   * Runs before a byte of the body is read (e.g. the record the files go to exists and the caller
   * may see it): when it throws, the body is drained and its error is the answer.
   */
  checkFirst?: () => Promise<unknown>;
  /**
   * Form fields that apply to the file parts sent after them, by name, each with its reader; the
   * file parts get what they read. One sent after a file part is refused (400).
   */
  fieldsBeforeFiles?: Readonly<Record<string, FormFieldReader>>;
}

/**
 * Reads a multipart body for a command that consumes its file parts as they arrive (streamed
 * straight into storage, never buffered whole). The command runs while the body is read: a
 * request refused on the way (too many files or parts, a malformed body, a refused form field, a
 * client gone) fails the parts iterable, the command cleans up what it stored, and the caller
 * answers only after that.
 */
export async function receiveFileParts<P extends { stream: Readable }, R>(
  req: Request,
  limits: MultipartLimits,
  toPart: (file: FilePartInfo, fields: Readonly<Record<string, unknown>>) => P,
  consume: (parts: FileParts<P>) => Promise<R>,
  checks: UploadChecks = {},
): Promise<R> {
  if (checks.checkFirst) {
    try {
      await checks.checkFirst();
    } catch (error) {
      req.resume();
      throw error;
    }
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: { files: limits.maxFiles, fileSize: limits.maxFileBytes, fields: 20, fieldSize: 65_536, parts: 40 },
    });
  } catch (error) {
    req.resume();
    throw new BadRequestError(`Malformed multipart request: ${(error as Error).message}`);
  }
  const field = limits.fileField ?? 'file';
  const parts = new FileParts<P>();
  let reading = true;
  const stopReading = (error?: unknown) => {
    if (!reading) return;
    reading = false;
    req.unpipe(parser);
    // Destroying the parser destroys the file stream it is feeding, if any: the consumer's
    // pipeline then rejects and discards the half-written file. Without it a refusal (or a client
    // gone) mid-file leaves that stream open and the request waiting forever.
    if (error !== undefined) parser.destroy(error instanceof Error ? error : new Error(String(error)));
    // Read (and drop) the rest of the body so the client gets the answer instead of a reset.
    req.resume();
  };
  const refuse = (error: unknown) => {
    parts.fail(error);
    stopReading(error);
  };
  const readers = checks.fieldsBeforeFiles ?? {};
  const fields: Record<string, unknown> = {};
  parser.on('field', (name, value, info) => {
    if (parts.closed || !Object.hasOwn(readers, name)) return;
    if (parts.count) return refuse(new BadRequestError(`The "${name}" field must come before the "${field}" part`, [{ path: name, message: `send it before the ${field}` }]));
    try {
      fields[name] = readers[name](value, info.valueTruncated);
    } catch (error) {
      refuse(error);
    }
  });
  parser.on('file', (name, file, info) => {
    if (parts.closed || name !== field) {
      file.resume();
      return;
    }
    // A truncated body makes busboy error the file stream, possibly before the command has
    // started reading it: an unheard 'error' would crash the process. The cause is reported
    // elsewhere: busboy raises the same error on the parser (400 below).
    file.on('error', () => undefined);
    parts.push(toPart({ stream: file, fileName: info.filename ?? null, contentType: info.mimeType ?? null }, { ...fields }));
  });
  parser.on('filesLimit', () => refuse(new PayloadTooLargeError(`At most ${limits.maxFiles} file(s) per upload`)));
  parser.on('partsLimit', () => refuse(new PayloadTooLargeError('Too many parts in the multipart body')));
  parser.on('error', (error: Error) => refuse(new BadRequestError(`Malformed multipart request: ${error.message}`)));
  parser.on('close', () => (parts.count ? parts.end() : refuse(new BadRequestError(`The multipart body has no "${field}" part`))));
  const aborted = () => refuse(new BadRequestError('The upload was aborted by the client'));
  req.on('aborted', aborted);
  // Newer Node versions may only emit 'close' when the client goes away mid-body.
  req.on('close', () => {
    if (!req.complete) aborted();
  });
  const done = consume(parts);
  req.pipe(parser);
  try {
    return await done;
  } catch (error) {
    stopReading();
    // The request's own refusal explains a failure better than what it caused in the command
    // (a file stream cut short by a malformed body, for instance).
    throw parts.refusal ?? error;
  }
}
