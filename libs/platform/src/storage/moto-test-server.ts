import { ChildProcess, execFileSync, spawn } from 'child_process';
import { createServer } from 'net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * Test support for the storage integration specs: Python moto's `moto_server`, a real S3 server
 * run as a child process on 127.0.0.1 (present on this project's machines; where it is missing the
 * specs that need it are skipped with one line saying so). Not used by Porter itself.
 */
export function motoAvailable(): boolean {
  try {
    execFileSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

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

/** Starts moto_server on a free port and creates `bucket`; resolves once the bucket exists. */
export async function startMoto(bucket: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        break;
      } catch (error) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`moto_server did not start: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
