/**
 * What is wrong with the configured bucket, in one sentence that names it and where it was looked
 * for (readiness and the start line say it; the SDK's own error for a missing bucket reads
 * "NotFound: UnknownError"). The SDK error's `$metadata` stays on the result, for its HTTP status.
 */
export function s3BucketProblem(error: unknown, bucket: string, where: string, region: string): Error {
  const e = (error ?? {}) as Error & { code?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? e.Code ?? e.name ?? '';
  // A connection error's code, also from the SDK's wrapper ("AWS SDK error wrapper for Error: connect ECONNREFUSED …").
  const network = /^E[A-Z_]{3,}$/.test(code) ? code : (/\b(ECONN[A-Z]+|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/.exec(e.message ?? '')?.[1] ?? (/socket hang up/.test(e.message ?? '') ? 'socket hang up' : null));
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
