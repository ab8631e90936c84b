import { PassThrough, Readable } from 'stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
  S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError } from '@porter/shared-kernel';
import { openS3MultipartWriter } from './s3-multipart-writer';
import { assertValidKey, FileStorage, ObjectStat, PresignedGetOptions, putThroughWriter, StorageWriter, StoredObject } from './file-storage.port';
import { storageFailure } from './storage-unavailable';
import { s3BucketProblem } from './s3-bucket-problem';

export interface S3FileStorageOptions {
  bucket: string;
  /** An S3-compatible service's URL (MinIO, Ceph, a test server); absent: AWS itself. */
  endpoint?: string | null;
  region: string;
  forcePathStyle: boolean;
  /** Safe segments (see `assertValidKey`) put before every key; empty: the bucket's root. */
  keyPrefix: string;
  /** Explicit credentials (tests); absent: the SDK's default chain (AWS_ACCESS_KEY_ID, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Bytes per multipart part (at least 5 MiB, S3's minimum). One writer buffers `partSize * (queueSize + 1)` at most. */
  partSize?: number;
  /** Parts of one writer uploaded at once. */
  queueSize?: number;
}

export const S3_DEFAULT_PART_SIZE = 5 * 1024 * 1024;

/**
 * S3-compatible storage on the AWS SDK v3.
 *
 * Writes: a writer (`openS3MultipartWriter`) streams straight to the FINAL key through a fixed
 * pool of part buffers: full parts are sent as they fill (a multipart upload, created with the
 * first), but the last part and CompleteMultipartUpload only at `commit()`, so nothing exists under
 * the key before; an object smaller than one part is a single PutObject, also only at `commit()`.
 * S3 makes either visible atomically, and a retried job writing the same key replaces the object
 * whole. `abort()` aborts the multipart upload: no object, no parts. Chosen over a temporary key
 * plus CopyObject because a copy rewrites every byte server-side (and needs UploadPartCopy past
 * 5 GB), while a pending multipart upload is already invisible. So this adapter has no temporary
 * objects at all: what a dead writer leaves is an incomplete multipart upload, which
 * `sweepStaleTemporary` aborts.
 *
 * Memory: a writer holds `partSize * (queueSize + 1)` bytes at most (5 MiB parts, the minimum S3
 * allows, 2 in flight by default), reused part after part, whatever the file's size (ADR 071).
 * The sha256 and size are computed as bytes pass.
 *
 * Failures that say S3 is unreachable or overloaded (connection refused or reset, 5xx, SlowDown)
 * come out of writes, reads, stats and deletes as StorageUnavailableError (ADR 091).
 *
 * Checksums: the SDK's default request checksums (CRC32 trailers, aws-chunked bodies) are only
 * sent where S3 requires them, for the sake of S3-compatible services that do not speak them.
 */
export class S3FileStorage implements FileStorage {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  /** Where the bucket is looked for, as problems name it: the endpoint, or AWS S3 in the region. */
  private readonly where: string;
  private readonly region: string;

  constructor(options: S3FileStorageOptions) {
    this.bucket = options.bucket;
    this.region = options.region;
    this.where = options.endpoint ?? `AWS S3 (${options.region})`;
    this.prefix = normalizeKeyPrefix(options.keyPrefix);
    this.partSize = options.partSize ?? S3_DEFAULT_PART_SIZE;
    this.queueSize = options.queueSize ?? 2;
    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (options.endpoint) config.endpoint = options.endpoint;
    if (options.credentials) config.credentials = options.credentials;
    this.client = new S3Client(config);
  }

  /** Readiness: the bucket exists and these credentials may use it. */
  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw s3BucketProblem(error, this.bucket, this.where, this.region);
    }
  }

  private objectKey(key: string): string {
    assertValidKey(key);
    return this.prefix + key;
  }

  /** `a/b` and `a/b/` both list what is under the "directory" a/b (never a/bc), like the local adapter. */
  private listPrefix(prefix: string): string {
    const base = prefix.replace(/\/+$/, '');
    return base ? this.objectKey(base) + '/' : this.prefix;
  }

  openWriter(key: string): StorageWriter {
    return openS3MultipartWriter({
      client: this.client,
      bucket: this.bucket,
      objectKey: this.objectKey(key),
      key,
      partSize: this.partSize,
      queueSize: this.queueSize,
      isNoSuchUpload,
    });
  }

  async put(key: string, source: Readable): Promise<StoredObject> {
    return putThroughWriter(this.openWriter(key), source);
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      if (!(response.Body instanceof Readable)) throw new Error(`GetObject ${objectKey} returned no stream`);
      return readFailuresMarked(response.Body);
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError('File', key);
      throw storageFailure(error);
    }
  }

  /**
   * A presigned GetObject (SigV4 query parameters): the bucket itself enforces the expiry and
   * answers with the export's file name, so the caller's browser or receiver downloads straight
   * from storage. Porter never sees that download (ADR 044).
   */
  async presignedGetUrl(key: string, options: PresignedGetOptions): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        ResponseContentDisposition: options.contentDisposition,
        ResponseContentType: options.contentType,
      }),
      { expiresIn: options.expiresInSeconds },
    );
  }

  async stat(key: string): Promise<ObjectStat | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, sizeBytes: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw storageFailure(error);
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a missing key too: idempotent as the port requires.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })).catch((error) => {
      throw storageFailure(error);
    });
  }

  async *list(prefix: string): AsyncIterable<ObjectStat> {
    const s3Prefix = this.listPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: s3Prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.startsWith(this.prefix)) continue;
        yield { key: object.Key.slice(this.prefix.length), sizeBytes: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** DeleteObjects takes 1000 keys at most per request. */
  async deletePrefix(prefix: string): Promise<number> {
    let count = 0;
    let batch: string[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const result = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((k) => ({ Key: this.prefix + k })), Quiet: true },
        }),
      );
      const failed = result.Errors ?? [];
      if (failed.length) {
        throw new Error(`could not delete ${failed.length} object(s) under "${prefix}": ${failed[0].Key} ${failed[0].Code} ${failed[0].Message ?? ''}`.trim());
      }
      count += batch.length;
      batch = [];
    };
    // Listing is paginated lazily, so deleting while listing never holds more than one batch of keys.
    for await (const object of this.list(prefix)) {
      batch.push(object.key);
      if (batch.length === 1000) await flush();
    }
    await flush();
    return count;
  }

  /**
   * Aborts the incomplete multipart uploads of dead writers. S3 keeps no "last touched" time on
   * an upload, only when it was initiated and when each part arrived: an upload is stale when it
   * was initiated before `olderThan` AND its newest part (if any) is older too. A live writer sends
   * a part every `partSize` bytes, so keep STORAGE_TMP_MAX_AGE_MS above the time the slowest
   * writer takes to produce one part. Another worker sweeping the same upload first is not an error.
   */
  async sweepStaleTemporary(olderThan: Date): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix || undefined, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId) continue;
        if (upload.Initiated && upload.Initiated >= olderThan) continue;
        if (await this.hasPartSince(upload.Key, upload.UploadId, olderThan)) continue;
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          removed++;
        } catch (error) {
          if (!isNoSuchUpload(error)) throw error;
        }
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    } while (keyMarker || uploadIdMarker);
    return removed;
  }

  private async hasPartSince(key: string, uploadId: string, since: Date): Promise<boolean> {
    let marker: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        if ((page.Parts ?? []).some((part) => part.LastModified && part.LastModified >= since)) return true;
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (isNoSuchUpload(error)) return true; // completed or aborted meanwhile: nothing to sweep
      throw error;
    }
    return false;
  }
}

/** `""` stays empty; `a/b` and `a/b/` become `a/b/`. Throws on anything but safe segments. */
export function normalizeKeyPrefix(raw: string): string {
  const trimmed = raw.replace(/\/+$/, '');
  if (!trimmed) return '';
  assertValidKey(trimmed);
  return trimmed + '/';
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

function isNoSuchUpload(error: unknown): boolean {
  return (error as Error)?.name === 'NoSuchUpload' || statusOf(error) === 404;
}

/**
 * The object's bytes, with a failure while they arrive told as what it is: the connection to the
 * store broke mid-read (Node's `aborted`, ECONNRESET) is a StorageUnavailableError, so the job
 * reading it is retried without using up an attempt (ADR 091), as when the store was away before
 * the read began. Other failures pass unchanged. A reader that stops early destroys the body too
 * (its socket goes back or is closed).
 */
function readFailuresMarked(body: Readable): Readable {
  const out = new PassThrough({ highWaterMark: body.readableHighWaterMark });
  // By hand, not stream.pipeline: pipeline would destroy `out` with the body's own error first.
  body.on('error', (error) => out.destroy(storageFailure(error) as Error));
  // A reader that stopped early: the body's socket is closed (a body read to its end is left alone).
  out.on('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(out);
  return out;
}
