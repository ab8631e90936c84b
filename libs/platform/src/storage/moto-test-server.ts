import { ChildProcess, execFileSync, spawn } from 'child_process';
import { createServer } from 'net';

/**
 * Test and benchmark support (exported by @porter/platform for tests, e2e and benches; Porter
 * itself never calls it): Python moto's `moto_server`, a real S3 server run as a child process
 * (present on this project's machines; where it is missing, what needs it is skipped with one
 * line saying so).
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
  host: string;
  port: number;
  endpoint: string;
  stop(): Promise<void>;
}

/** A TCP port free on `host` right now. */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts moto_server on a free port of `host` and creates `bucket`; resolves once the bucket exists. */
export async function startMoto(
  bucket: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  host = '127.0.0.1',
): Promise<MotoServer> {
  const port = await freeTcpPort(host);
  const child: ChildProcess = spawn('moto_server', ['-H', host, '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://${host}:${port}`;
  // Loaded here: this module is exported with the platform, and a process on local storage never
  // needs the S3 SDK (ADR 006).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CreateBucketCommand, S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        break;
      } catch (error) {
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill('SIGKILL');
          throw new Error(`moto_server did not start: ${(error as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    client.destroy();
  }
  return {
    host,
    port,
    endpoint,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
