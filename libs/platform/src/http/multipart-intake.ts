import busboy from 'busboy';
import type { IncomingMessage } from 'http';
import type { Readable } from 'stream';
import { BadRequestError, PayloadTooLargeError } from '@porter/shared-kernel';
import { FileParts } from './file-parts';
import { inspectJson, MAX_JSON_DEPTH, MAX_JSON_KEYS } from './http-pipeline.module';

export interface MultipartLimits {
  /** File parts accepted in one body (413 beyond). */
  maxFiles: number;
  /** Bytes per file the parser lets through: one past the consumer's limit, so the consumer sees the overflow and answers 413. */
  maxFileBytes: number;
  /** The form field that carries files (default "file"); see `fileFields` for several. */
  fileField?: string;
  /**
   * Several form fields that carry files, each with the most parts of it one body may hold (413
   * past it); a part's `field` says which it came in. Replaces `fileField` when given.
   */
  fileFields?: Readonly<Record<string, number>>;
  /** A body without any file part is accepted (by default it is a 400). */
  filesOptional?: boolean;
  /** Bytes a form field's value may have (default 64 KiB); a longer one reaches its reader truncated. */
  maxFieldBytes?: number;
}

export interface FilePartInfo {
  /** The form field the part came in. */
  field: string;
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
  /**
   * Of `fieldsBeforeFiles`, those the body must carry (before its first file part): a file part
   * before them, or a body without them, is refused (400). The command gets what they read.
   */
  requiredFields?: readonly string[];
}

/**
 * Reads a multipart body for a command that consumes its file parts as they arrive (streamed
 * straight into storage, never buffered whole). The command runs while the body is read: a
 * request refused on the way (too many files or parts, a malformed body, a refused form field, a
 * client gone) fails the parts iterable, the command cleans up what it stored, and the caller
 * answers only after that.
 */
export async function receiveFileParts<P extends { stream: Readable }, R>(
  req: IncomingMessage,
  limits: MultipartLimits,
  toPart: (file: FilePartInfo, fields: Readonly<Record<string, unknown>>) => P,
  consume: (parts: FileParts<P>, fields: Promise<Readonly<Record<string, unknown>>>) => Promise<R>,
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
      // File names as UTF-8: browsers, undici's FormData, curl and Porter's CLI send them as raw
      // UTF-8 bytes (RFC 7578 4.2); busboy's default, latin1, turned "Müller.csv" into "MÃ¼ller.csv".
      defParamCharset: 'utf8',
      limits: { files: limits.fileFields ? limits.maxFiles + 1 : limits.maxFiles, fileSize: limits.maxFileBytes, fields: 20, fieldSize: limits.maxFieldBytes ?? 65_536, parts: 40 },
    });
  } catch (error) {
    req.resume();
    throw new BadRequestError(`Malformed multipart request: ${(error as Error).message}`);
  }
  const perField: Readonly<Record<string, number>> = limits.fileFields ?? { [limits.fileField ?? 'file']: limits.maxFiles };
  const fileFields = Object.keys(perField);
  const field = fileFields.map((f) => `"${f}"`).join(' or ');
  const received: Record<string, number> = {};
  /** The field of the first file part taken: form fields read after it are refused. */
  let firstFileField: string | null = null;
  const parts = new FileParts<P>();
  const required = checks.requiredFields ?? [];
  let fieldsRead!: { resolve: (fields: Readonly<Record<string, unknown>>) => void; reject: (error: unknown) => void };
  const requiredRead = new Promise<Readonly<Record<string, unknown>>>((resolve, reject) => (fieldsRead = { resolve, reject }));
  // The command may not wait for them (no required fields): an unheard rejection must not crash.
  requiredRead.catch(() => undefined);
  const missing = () => required.filter((name) => !Object.hasOwn(fields, name));
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
    fieldsRead.reject(error);
    stopReading(error);
  };
  const readers = checks.fieldsBeforeFiles ?? {};
  const fields: Record<string, unknown> = {};
  if (!required.length) fieldsRead.resolve(fields);
  // A part this upload does not take is refused, as an unknown property of a JSON body is: ignored,
  // a file sent as "attachments" instead of "attachment" was dropped while the upload succeeded.
  const takes = [...Object.keys(readers).map((f) => `a "${f}" field`), ...fileFields.map((f) => `"${f}" file parts`)].join(' and ');
  const unexpected = (name: string, what: string) =>
    refuse(new BadRequestError(`Unexpected ${what} "${name}": this upload takes ${takes}`, [{ path: name, message: 'is not a part of this upload' }]));
  parser.on('field', (name, value, info) => {
    if (parts.closed) return;
    if (!Object.hasOwn(readers, name)) return unexpected(name, Object.hasOwn(perField, name) ? 'form field (not a file: no filename)' : 'form field');
    if (Object.hasOwn(fields, name)) {
      return refuse(new BadRequestError(`The "${name}" field is given twice`, [{ path: name, message: 'must be given once' }]));
    }
    if (firstFileField !== null) {
      return refuse(new BadRequestError(`The "${name}" field must come before the "${firstFileField}" part`, [{ path: name, message: `send it before the ${firstFileField}` }]));
    }
    try {
      fields[name] = readers[name](value, info.valueTruncated);
    } catch (error) {
      return refuse(error);
    }
    if (required.length && required.includes(name) && !missing().length) fieldsRead.resolve({ ...fields });
  });
  parser.on('file', (name, file, info) => {
    // A truncated body, or a refusal (which destroys the parser and so the stream it is feeding),
    // makes busboy error the file stream, possibly before the command has started reading it: an
    // unheard 'error' would crash the process. The cause is reported elsewhere: busboy raises the
    // same error on the parser (400 below), a refusal is the answer itself.
    file.on('error', () => undefined);
    if (parts.closed || !Object.hasOwn(perField, name)) {
      file.resume();
      if (!parts.closed) unexpected(name, 'file part');
      return;
    }
    const absent = missing();
    if (absent.length) {
      file.resume();
      return refuse(new BadRequestError(`The "${absent[0]}" field must come before the first file part`, [{ path: absent[0], message: `send it before the ${field} parts` }]));
    }
    firstFileField ??= name;
    received[name] = (received[name] ?? 0) + 1;
    if (received[name] > perField[name]) {
      file.resume();
      return refuse(new PayloadTooLargeError(`At most ${perField[name]} "${name}" file part(s) per upload`));
    }
    parts.push(toPart({ field: name, stream: file, fileName: info.filename ?? null, contentType: info.mimeType ?? null }, { ...fields }));
  });
  parser.on('filesLimit', () => refuse(new PayloadTooLargeError(`At most ${limits.maxFiles} file(s) per upload`)));
  parser.on('partsLimit', () => refuse(new PayloadTooLargeError('Too many parts in the multipart body')));
  parser.on('error', (error: Error) => refuse(new BadRequestError(`Malformed multipart request: ${error.message}`)));
  parser.on('close', () => {
    const absent = missing();
    if (absent.length) refuse(new BadRequestError(`The multipart body has no "${absent[0]}" field`, [{ path: absent[0], message: 'is required' }]));
    else if (parts.count || limits.filesOptional) parts.end();
    else refuse(new BadRequestError(`The multipart body has no ${field} part`));
  });
  const aborted = () => refuse(new BadRequestError('The upload was aborted by the client'));
  req.on('aborted', aborted);
  // Newer Node versions may only emit 'close' when the client goes away mid-body.
  req.on('close', () => {
    if (!req.complete) aborted();
  });
  const done = consume(parts, requiredRead);
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

/**
 * A reader for a form field that carries a JSON object (the `request` of a multipart POST
 * /exports): the same refusals as a JSON body (400 malformed, NUL characters or nesting past
 * MAX_JSON_DEPTH; 413 past the size limit), naming the field.
 */
export function jsonObjectField(name: string, maxBytes: number): FormFieldReader {
  return (value, truncated) => {
    if (truncated) throw new PayloadTooLargeError(`The "${name}" field is larger than ${maxBytes} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new BadRequestError(`The "${name}" field is not valid JSON: ${(error as Error).message}`, [{ path: name, message: 'must be a JSON object' }]);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BadRequestError(`The "${name}" field must be a JSON object`, [{ path: name, message: 'must be a JSON object' }]);
    }
    const found: { key?: string } = {};
    const problem = inspectJson(parsed, found);
    if (problem === 'nul') throw new BadRequestError(`The "${name}" field's strings must not contain NUL characters`, [{ path: name, message: 'contains NUL' }]);
    if (problem === 'surrogate') throw new BadRequestError(`The "${name}" field's strings must be valid Unicode (one holds a lone UTF-16 surrogate)`, [{ path: name, message: 'contains a lone surrogate' }]);
    if (problem === 'reserved') throw new BadRequestError(`The "${name}" field has a property "${found.key}", the name of a built-in JavaScript object property`, [{ path: `${name}.${found.key}`, message: 'is not allowed' }]);
    if (problem === 'deep') throw new BadRequestError(`The "${name}" field nests deeper than ${MAX_JSON_DEPTH} levels`, [{ path: name, message: 'nests too deep' }]);
    if (problem === 'wide') throw new BadRequestError(`The "${name}" field has an object with more than ${MAX_JSON_KEYS} properties`, [{ path: name, message: 'has too many properties' }]);
    return parsed;
  };
}
