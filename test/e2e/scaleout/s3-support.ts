import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { motoAvailable, startMoto as startMotoServer } from '@porter/platform';

/** Keys the AWS SDK in Porter's processes reads from the environment (moto accepts any). */
export const S3_CREDENTIALS = { accessKeyId: 'porter-e2e', secretAccessKey: 'porter-e2e-secret' };
export const S3_BUCKET = 'porter-e2e';

export { motoAvailable };

export interface MotoServer {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  readonly admin: S3Client;
  /** Object keys under a prefix (the whole bucket by default). */
  keys(prefix?: string): Promise<string[]>;
  /** Incomplete multipart uploads under a prefix. */
  pendingUploads(prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * moto's S3 (`moto_server`, Python) as a child process on a free port of `host`, with the bucket
 * created through the AWS SDK. moto keeps everything in memory: a restart loses the bucket, so a
 * test makes S3 "go down" with a TCP forwarder in front of it (test/support/tcp-proxy.ts) rather
 * than by stopping it.
 */
export async function startMoto(host = '127.0.0.1'): Promise<MotoServer> {
  const server = await startMotoServer(S3_BUCKET, S3_CREDENTIALS, host);
  const { port, endpoint } = server;
  const admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  return {
    host,
    port,
    endpoint,
    admin,
    async keys(prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await admin.send(new ListObjectsV2Command({ Bucket: S3_BUCKET, Prefix: prefix || undefined, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    async pendingUploads(prefix = '') {
      const page = await admin.send(new ListMultipartUploadsCommand({ Bucket: S3_BUCKET, Prefix: prefix || undefined }));
      return (page.Uploads ?? []).map((u) => `${u.Key} ${u.UploadId}`);
    },
    async stop() {
      admin.destroy();
      await server.stop();
    },
  };
}

/** The settings that put a Porter process on the S3 driver against `endpoint`. */
export function s3Env(endpoint: string, keyPrefix: string): Record<string, string> {
  return {
    STORAGE_DRIVER: 's3',
    S3_BUCKET,
    S3_ENDPOINT: endpoint,
    S3_REGION: 'us-east-1',
    S3_FORCE_PATH_STYLE: 'true',
    S3_KEY_PREFIX: keyPrefix,
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
  };
}
