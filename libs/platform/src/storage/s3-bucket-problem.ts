import { isStorageUnreachable } from './storage-unavailable';

/**
 * What is wrong with the configured bucket, in one sentence that names it and where it was looked
 * for (readiness and the start line say it; the SDK's own error for a missing bucket reads
 * "NotFound: UnknownError"). The SDK error's `$metadata` stays on the result, for its HTTP status.
 */
export function s3BucketProblem(error: unknown, bucket: string, where: string, region: string): Error {
  const e = (error ?? {}) as Error & { code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? e.Code ?? e.name ?? '';
  // The store out of reach (the adapter's own classifier, storage-unavailable.ts) with no HTTP
  // answer at all: a connection that failed. Its code, also from the SDK's wrapper message.
  const network = status === undefined && isStorageUnreachable(error) ? (/^E[A-Z_]{3,}$/.test(code) ? code : (/\bE[A-Z_]{3,}\b/.exec(e.message ?? '')?.[0] ?? e.message)) : null;
  const said =
    status === 404 || code === 'NotFound' || code === 'NoSuchBucket'
      ? `S3 bucket "${bucket}" does not exist at ${where}`
      : status === 403 || code === 'Forbidden' || code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch'
        ? `S3 bucket "${bucket}" at ${where} refuses these credentials (${code || 'HTTP 403'})`
        : status === 301 || code === 'PermanentRedirect'
          ? `S3 bucket "${bucket}" is in another region than S3_REGION=${region}`
          : network
            ? `S3 endpoint ${where} is unreachable (${network})`
            : `S3 bucket "${bucket}" at ${where}: ${code ? `${code}: ` : ''}${e.message || 'no answer'}`;
  return Object.assign(new Error(said), { name: 'S3BucketUnavailable', $metadata: e.$metadata, cause: error });
}
