import { isStorageUnreachable, StorageUnavailableError, storageFailure, unavailableDependency } from './storage-unavailable';

const coded = (code: string, message = `connect ${code} 127.0.0.1:9000`) => Object.assign(new Error(message), { code });
const s3 = (name: string, status: number, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('storage unreachable (ADR 091)', () => {
  it.each([
    ['ECONNREFUSED', coded('ECONNREFUSED')],
    ['ECONNRESET', coded('ECONNRESET', 'read ECONNRESET')],
    ['ETIMEDOUT', coded('ETIMEDOUT')],
    ['EHOSTUNREACH', coded('EHOSTUNREACH')],
    ['ENETUNREACH', coded('ENETUNREACH')],
    ['EAI_AGAIN (DNS did not answer)', coded('EAI_AGAIN', 'getaddrinfo EAI_AGAIN s3.local')],
    ['EPIPE', coded('EPIPE', 'write EPIPE')],
    ['socket hang up', new Error('socket hang up')],
    ['the SDK wrapper of a refused connection', new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9')],
    ['the SDK TimeoutError', Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' })],
    ['S3 503 SlowDown', s3('SlowDown', 503)],
    ['S3 503 ServiceUnavailable', s3('ServiceUnavailable', 503)],
    ['S3 500 InternalError', s3('InternalError', 500)],
    ['S3 502 without a code', s3('Unknown', 502)],
    ['S3 429 throttled', s3('TooManyRequests', 429, { $retryable: { throttling: true } })],
    ['an SDK error marked $retryable', Object.assign(new Error('transient'), { $retryable: {} })],
    ['an AggregateError of refused connections', Object.assign(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], ''), {})],
    ['a wrapped cause', new Error('UploadPart failed', { cause: coded('ECONNRESET') })],
  ])('%s: unreachable', (_name, error) => {
    expect(isStorageUnreachable(error)).toBe(true);
    const wrapped = storageFailure(error);
    expect(wrapped).toBeInstanceOf(StorageUnavailableError);
    expect((wrapped as StorageUnavailableError).cause).toBe(error);
    expect(unavailableDependency(wrapped)).toBe('storage');
    expect(storageFailure(wrapped)).toBe(wrapped);
  });

  it.each([
    ['S3 403 AccessDenied', s3('AccessDenied', 403)],
    ['S3 404 NoSuchBucket', s3('NoSuchBucket', 404)],
    ['S3 400 InvalidAccessKeyId even if marked retryable', s3('InvalidAccessKeyId', 400, { $retryable: {} })],
    ['S3 403 SignatureDoesNotMatch', s3('SignatureDoesNotMatch', 403)],
    ['ENOTFOUND (a host that does not exist: misconfiguration)', coded('ENOTFOUND', 'getaddrinfo ENOTFOUND no-such-host')],
    ['ENOSPC (a full disk)', coded('ENOSPC', 'ENOSPC: no space left on device, write')],
    ['EIO', coded('EIO', 'EIO: i/o error, write')],
    ['EACCES', coded('EACCES', "EACCES: permission denied, open '/x'")],
    ['a plain error', new Error('column "x" is no longer declared')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('%s: not unreachable', (_name, error) => {
    expect(isStorageUnreachable(error)).toBe(false);
    expect(storageFailure(error)).toBe(error);
    expect(unavailableDependency(error)).toBeNull();
  });

  it('says what failed, and is found through a cause chain', () => {
    const error = new StorageUnavailableError(coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:3975'));
    expect(error.message).toBe('storage unreachable: connect ECONNREFUSED 127.0.0.1:3975');
    expect(new StorageUnavailableError(coded('ECONNRESET', 'socket closed')).message).toBe('storage unreachable: ECONNRESET socket closed');
    expect(error.name).toBe('StorageUnavailableError');
    expect(unavailableDependency(new Error('export failed', { cause: error }))).toBe('storage');
    const loop: { cause?: unknown } & Error = new Error('loop');
    loop.cause = loop;
    expect(unavailableDependency(loop)).toBeNull();
    expect(isStorageUnreachable(loop)).toBe(false);
  });
});
