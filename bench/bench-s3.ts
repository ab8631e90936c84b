import { ChildProcess, execFileSync, spawn } from 'child_process';
import { createServer } from 'net';
import * as os from 'os';
import * as path from 'path';
import { promises as fs } from 'fs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { benchArg } from './bench-args';

/** `--storage local` (default) or `--storage s3`; anything else stops the bench with one clear line. */
export function benchStorage(): 'local' | 's3' {
  const raw = benchArg('storage') ?? 'local';
  if (raw !== 'local' && raw !== 's3') {
    process.stderr.write(`bench: --storage must be "local" or "s3", got "${raw}"\n`);
    process.exit(2);
  }
  return raw;
}

export interface BenchS3 {
  /** What ran: `moto_server` or `s3rver`. */
  readonly server: string;
  /** The settings that put a Porter process on it (STORAGE_DRIVER=s3 and credentials). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

const BUCKET = 'porter-bench';
const CREDENTIALS = { accessKeyId: 'porter-bench', secretAccessKey: 'porter-bench-secret' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function hasMoto(): boolean {
  try {
    execFileSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * An S3 server on 127.0.0.1 for the bench's s3 run: moto's `moto_server` (a child process) when it
 * is on PATH, else s3rver (npm devDependency) in this process, storing in a temporary directory.
 * Both are test servers: the S3/local ratio they give bounds what Porter adds on an S3 path from
 * above (a production S3 or MinIO answers faster than either), it does not measure AWS.
 */
export async function startBenchS3(): Promise<BenchS3> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let stopServer: () => Promise<void>;
  let server: string;
  if (hasMoto()) {
    server = 'moto_server';
    const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    stopServer = async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    };
  } else {
    server = 's3rver';
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-bench-s3rver-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rver = require('s3rver') as new (o: Record<string, unknown>) => { run(): Promise<unknown>; close(): Promise<void> };
    const s3rver = new S3rver({ address: '127.0.0.1', port, silent: true, directory });
    await s3rver.run();
    stopServer = async () => {
      await s3rver.close();
      await fs.rm(directory, { recursive: true, force: true });
    };
  }
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stopServer();
        throw new Error(`${server} did not start: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();
  return {
    server,
    env: {
      STORAGE_DRIVER: 's3',
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    },
    stop: stopServer,
  };
}
