import { s3BucketProblem } from './s3-bucket-problem';

describe('s3BucketProblem', () => {
  const sdk = (name: string, status?: number, message = 'UnknownError') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
  const say = (error: unknown) => s3BucketProblem(error, 'exports', 'http://minio:9000', 'eu-west-1').message;

  it('names the bucket and where it was looked for, for each kind of problem', () => {
    expect(say(sdk('NotFound', 404))).toBe('S3 bucket "exports" does not exist at http://minio:9000');
    expect(say(sdk('Forbidden', 403))).toBe('S3 bucket "exports" at http://minio:9000 refuses these credentials (Forbidden)');
    expect(say(sdk('PermanentRedirect', 301))).toBe('S3 bucket "exports" is in another region than S3_REGION=eu-west-1');
    expect(say(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:9000'), { code: 'ECONNREFUSED' }))).toBe('S3 endpoint http://minio:9000 is unreachable (ECONNREFUSED)');
    expect(say(sdk('InternalError', 500, 'We encountered an internal error'))).toBe('S3 bucket "exports" at http://minio:9000: InternalError: We encountered an internal error');
  });

  it('keeps the HTTP status for readiness, and the SDK error as its cause', () => {
    const original = sdk('NotFound', 404);
    const problem = s3BucketProblem(original, 'exports', 'AWS S3 (eu-west-1)', 'eu-west-1') as Error & { $metadata?: { httpStatusCode?: number } };
    expect(problem.$metadata?.httpStatusCode).toBe(404);
    expect(problem.cause).toBe(original);
    expect(problem.message).toBe('S3 bucket "exports" does not exist at AWS S3 (eu-west-1)');
  });
});
