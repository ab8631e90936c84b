/**
 * "The file store could not be reached" as an error of its own (ADR 091).
 *
 * A storage adapter wraps a failure in StorageUnavailableError when it says the STORE is
 * unreachable or overloaded right now, not that the request was wrong: the job engine then retries
 * the job without counting the attempt, for at most JOB_OUTAGE_RETRY_MS (a dependency outage is no
 * failure of the job), and a handler that reports its own failures knows the job will run again.
 *
 * Which failures (`isStorageUnreachable`), chosen narrowly so that a real misconfiguration or a
 * bad request still uses up attempts and ends `failed`:
 * - the connection failed or broke: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH,
 *   ENETUNREACH, ENETDOWN, EPIPE, EAI_AGAIN (DNS did not answer; ENOTFOUND, "no such host", is a
 *   misconfiguration and is NOT included), "socket hang up", "aborted" (a response cut mid-body);
 * - the AWS SDK's TimeoutError / RequestTimeout, and the errors it marks `$retryable`
 *   (throttling, transient) once its own retries are spent;
 * - S3 answered that it cannot serve now: HTTP 429, 500, 502, 503, 504, or the codes InternalError,
 *   ServiceUnavailable, SlowDown, RequestTimeout.
 * Never: other 4xx answers (AccessDenied, NoSuchBucket, InvalidAccessKeyId, SignatureDoesNotMatch…),
 * local-disk errors (ENOSPC, EIO, EACCES: a disk that is full is no outage that passes by itself),
 * or anything without one of the marks above. The `cause` chain is followed (a wrapped error).
 */
export class StorageUnavailableError extends Error {
  /** The mark the job engine reads (`unavailableDependency`): which dependency was unreachable. */
  readonly unavailableDependency = 'storage';

  constructor(override readonly cause: unknown) {
    super(`storage unreachable: ${describe(cause)}`);
    this.name = 'StorageUnavailableError';
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const UNAVAILABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable', 'SlowDown']);
const UNAVAILABLE_STATUS = new Set([429, 500, 502, 503, 504]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Whether `error` says the store is unreachable or overloaded now (see StorageUnavailableError). */
export function isStorageUnreachable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  if (error instanceof StorageUnavailableError) return true;
  const e = error as ErrorLike;
  const status = e.$metadata?.httpStatusCode;
  // An HTTP answer below 500 is the store speaking: the request is wrong, not the store away.
  if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429 && e.name !== 'RequestTimeout') return false;
  if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof status === 'number' && UNAVAILABLE_STATUS.has(status)) return true;
  if (e.$retryable) return true;
  if (typeof e.message === 'string' && /^socket hang up$|^aborted$|(^|\bfor Error: )connect (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.test(e.message)) return true;
  // ("AWS SDK error wrapper for Error: connect …": the SDK's wrapper of an error it could not
  // recognise as one, which keeps only the message.)
  // AggregateError (a connect to several addresses that all failed), or a wrapped error.
  if (Array.isArray(e.errors) && e.errors.some((inner) => isStorageUnreachable(inner, depth + 1))) return true;
  return e.cause !== undefined && e.cause !== error && isStorageUnreachable(e.cause, depth + 1);
}

/** `error` as a StorageUnavailableError when the store is unreachable, else unchanged. */
export function storageFailure(error: unknown): unknown {
  if (error instanceof StorageUnavailableError || !isStorageUnreachable(error)) return error;
  return new StorageUnavailableError(error);
}

/**
 * Which of Porter's dependencies `error` says is unreachable ("storage"), following the `cause`
 * chain; null for any other failure. Read by the job engine (ADR 091).
 */
export function unavailableDependency(error: unknown, depth = 0): string | null {
  if (!error || typeof error !== 'object' || depth > 5) return null;
  const mark = (error as { unavailableDependency?: unknown }).unavailableDependency;
  if (typeof mark === 'string' && mark) return mark;
  const cause = (error as ErrorLike).cause;
  return cause !== undefined && cause !== error ? unavailableDependency(cause, depth + 1) : null;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as ErrorLike).code;
    const message = error.message || error.name;
    return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
  }
  return String(error);
}
