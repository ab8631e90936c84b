import { createHash } from 'crypto';
import { Writable } from 'stream';
import { finished } from 'stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { StorageWriter, StoredObject } from './file-storage.port';
import { isStorageUnreachable, storageFailure } from './storage-unavailable';

export interface S3MultipartWriterOptions {
  client: S3Client;
  bucket: string;
  /** The object's key in the bucket (with the adapter's prefix). */
  objectKey: string;
  /** The key the caller knows (what `commit` returns). */
  key: string;
  /** Bytes per part: every part but the last is exactly this long (S3's minimum is 5 MiB). */
  partSize: number;
  /** Parts in flight at once. */
  queueSize: number;
  /** Whether an error means the upload is already gone (NoSuchUpload). */
  isNoSuchUpload: (error: unknown) => boolean;
}

/**
 * A streamed write to S3 through a FIXED set of part buffers (ADR 071).
 *
 * Bytes are copied once, from the caller's chunks into a part-sized buffer; a full buffer is sent as
 * an UploadPart (the multipart upload is created with the first one) as soon as a further byte
 * arrives, with at most `queueSize` parts in flight: a writer waits, so the stream pushes back,
 * when all are busy. A buffer returns to the pool when its part is acknowledged, so a writer owns
 * at most `queueSize + 1` buffers for its whole life and makes no garbage per part. (lib-storage's
 * `Upload`, used before, gathers the stream's chunks in a list and `Buffer.concat`s a fresh part
 * every 5 MiB: one more copy of every byte into newly mapped memory, about 1 s of CPU and 15–25 MB
 * of peak RSS on a 1M-row export.)
 *
 * Nothing exists under the key until `commit()`: a file smaller than one part is a single
 * PutObject sent then, a larger one a multipart upload completed then; both become visible
 * atomically. `abort()` (or a failed commit) aborts the multipart upload: no object, no parts. A
 * writer whose process dies leaves an incomplete multipart upload, which the adapter's
 * `sweepStaleTemporary` aborts.
 *
 * Failures (ADR 091): a part that fails (S3 unreachable, an error answer) fails the write that is
 * waiting for it, or else the next one, so the stream is destroyed with that error. The stream
 * keeps an 'error' listener of its own for its whole life: nobody has to listen for the error to
 * come out of `stream.write` (a writer sees it as `stream.errored`, the next write's rejection, or
 * `commit()`'s), and an unheard 'error' can never crash the process. A failure that says S3 is
 * unreachable is a StorageUnavailableError. `abort()` after such a failure tries to abort the
 * multipart upload; if S3 is still unreachable it leaves it to `sweepStaleTemporary`.
 */
export function openS3MultipartWriter(options: S3MultipartWriterOptions): StorageWriter {
  const { client, bucket, objectKey, key, partSize, queueSize } = options;
  const hash = createHash('sha256');
  let size = 0;

  const free: Buffer[] = [];
  let current: Buffer | null = null;
  let filled = 0;
  let nextPartNumber = 1;
  let uploadId: Promise<string> | null = null;
  const inFlight = new Set<Promise<void>>();
  const parts: { PartNumber: number; ETag: string }[] = [];
  let failure: Error | null = null;
  let settled = false;

  const createUpload = async (): Promise<string> => {
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: objectKey }));
    if (!created.UploadId) throw new Error(`CreateMultipartUpload ${objectKey} returned no upload id`);
    return created.UploadId;
  };

  /** Sends `length` bytes of `buffer` as the next part; the buffer returns to the pool when it is acknowledged. */
  const sendPart = async (buffer: Buffer, length: number): Promise<void> => {
    while (inFlight.size >= queueSize) await Promise.race(inFlight);
    if (failure) throw failure;
    const partNumber = nextPartNumber++;
    uploadId ??= createUpload();
    const upload = uploadId;
    const sending = (async () => {
      const id = await upload;
      const sent = await client.send(
        new UploadPartCommand({ Bucket: bucket, Key: objectKey, UploadId: id, PartNumber: partNumber, Body: buffer.subarray(0, length), ContentLength: length }),
      );
      if (!sent.ETag) throw new Error(`UploadPart ${partNumber} of ${objectKey} returned no ETag`);
      parts.push({ PartNumber: partNumber, ETag: sent.ETag });
    })();
    const tracked: Promise<void> = sending.then(
      () => {
        inFlight.delete(tracked);
        free.push(buffer);
      },
      (error: Error) => {
        inFlight.delete(tracked);
        failure ??= storageFailure(error) as Error;
        throw failure;
      },
    );
    // Observed here so that a part failing while nobody waits is no unhandled rejection; the
    // failure reaches the caller through the next write or the commit.
    tracked.catch(() => undefined);
    inFlight.add(tracked);
  };

  const take = async (chunk: Buffer): Promise<void> => {
    if (failure) throw failure;
    hash.update(chunk);
    size += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      if (current && filled === partSize) {
        // A full part with more bytes behind it: it is not the last one, send it.
        const full = current;
        current = null;
        filled = 0;
        await sendPart(full, partSize);
      }
      current ??= free.pop() ?? Buffer.allocUnsafe(partSize);
      const copied = chunk.copy(current, filled, offset);
      filled += copied;
      offset += copied;
    }
  };

  const stream = new Writable({
    highWaterMark: 1 << 16,
    write(chunk: Buffer, _encoding, callback) {
      take(chunk).then(
        () => callback(),
        (error: Error) => {
          failure ??= storageFailure(error) as Error;
          callback(failure);
        },
      );
    },
  });
  // The failure is kept in `failure` and reaches the caller through the next write or the commit:
  // an 'error' nobody listens to must never be thrown at the process (ADR 091).
  stream.on('error', () => undefined);

  const drain = async (): Promise<void> => {
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  };

  const discard = async (): Promise<void> => {
    // A write still in progress must not start a part (or a new multipart upload) after this.
    failure ??= new Error('storage write aborted');
    if (!stream.destroyed) stream.destroy();
    await drain();
    if (!uploadId) return;
    const id = await uploadId.catch(() => null);
    if (!id) return;
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: objectKey, UploadId: id }));
    } catch (error) {
      if (options.isNoSuchUpload(error)) return;
      // S3 still unreachable: the incomplete upload holds no object, and the sweep aborts it later.
      if (isStorageUnreachable(error)) return;
      throw error;
    }
  };

  const complete = async (): Promise<void> => {
    if (stream.destroyed && !stream.writableFinished) throw failure ?? new Error('storage writer stream was destroyed before commit');
    if (!stream.writableEnded) stream.end();
    await finished(stream); // every byte has been taken
    if (failure) throw failure;
    if (!uploadId) {
      // Smaller than one part: one PutObject, now.
      const body = current ? current.subarray(0, filled) : Buffer.alloc(0);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: body, ContentLength: filled }));
      return;
    }
    if (filled > 0 && current) await sendPart(current, filled);
    current = null;
    await drain();
    if (failure) throw failure;
    const id = await uploadId;
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: objectKey, UploadId: id, MultipartUpload: { Parts: parts } }));
  };

  return {
    stream,
    commit: async (): Promise<StoredObject> => {
      if (settled) throw new Error('storage writer already settled');
      settled = true;
      try {
        await complete();
      } catch (error) {
        await discard().catch(() => undefined);
        throw storageFailure(error);
      }
      return { key, sizeBytes: size, sha256: hash.digest('hex') };
    },
    abort: async (): Promise<void> => {
      if (settled) return;
      settled = true;
      await discard();
    },
  };
}
