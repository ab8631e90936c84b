import * as os from 'os';
import * as path from 'path';
import { promises as fs } from 'fs';
import { freeTcpPort, motoAvailable, startMoto } from '@porter/platform';
import { benchArg } from './bench-args';

/** `--storage local` (default) or `--storage s3`; anything else stops the bench with one clear line. */
export function benchStorage(): 'local' | 's3' {
  const raw = benchArg('storage') ?? 'local';
  if (raw !== 'local' && raw !== 's3') {
    process.stderr.write(`bench: --storage must be "local" or "s3", got "${raw}"\n`);
    process.exit(2);
  }
  // The S3 server is checked now too, before the local run, not after it.
  if (raw === 's3') benchS3Server();
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

/** `--s3-server s3rver` (default) or `--s3-server moto`; anything else, or moto missing, stops the bench with one clear line. */
let chosenServer: 's3rver' | 'moto' | null = null;

export function benchS3Server(): 's3rver' | 'moto' {
  // Checked once: finding moto runs `moto_server --help`, a Python start of about a second.
  if (chosenServer) return chosenServer;
  const raw = benchArg('s3-server') ?? 's3rver';
  if (raw !== 's3rver' && raw !== 'moto') {
    process.stderr.write(`bench: --s3-server must be "s3rver" or "moto", got "${raw}"\n`);
    process.exit(2);
  }
  if (raw === 'moto' && !motoAvailable()) {
    process.stderr.write('bench: --s3-server moto needs moto_server (Python moto) on PATH\n');
    process.exit(2);
  }
  return (chosenServer = raw);
}

/**
 * An S3 server on 127.0.0.1 for the bench's s3 run: s3rver (npm devDependency) in this process,
 * storing in a temporary directory, or with `--s3-server moto` moto's `moto_server` as a child
 * process. Both are test servers sharing the machine's cores with the worker and Postgres, so the
 * S3/local ratio they give bounds what Porter adds on an S3 path from above (a production S3 or
 * MinIO answers from other machines), it does not measure AWS. s3rver is the default: it stores
 * objects on disk as a store does, and costs the shared cores less than moto, which keeps every
 * object in Python's memory and hashes each part in its request thread (moto's ratios are written
 * in docs/performance.md beside s3rver's).
 */
export async function startBenchS3(): Promise<BenchS3> {
  let endpoint: string;
  let stopServer: () => Promise<void>;
  let server: string;
  let credentials = CREDENTIALS;
  if (benchS3Server() === 'moto') {
    server = 'moto_server';
    const moto = await startMoto(BUCKET, CREDENTIALS);
    endpoint = moto.endpoint;
    stopServer = () => moto.stop();
  } else {
    server = 's3rver';
    // s3rver checks signatures against its one fixed key pair; any other answers 403.
    credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const port = await freeTcpPort();
    endpoint = `http://127.0.0.1:${port}`;
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-bench-s3rver-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const S3rver = require('s3rver') as new (o: Record<string, unknown>) => { run(): Promise<unknown>; close(): Promise<void> };
    const s3rver = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
    await s3rver.run();
    stopServer = async () => {
      await s3rver.close();
      await fs.rm(directory, { recursive: true, force: true });
    };
  }
  return {
    server,
    env: {
      STORAGE_DRIVER: 's3',
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    stop: stopServer,
  };
}
