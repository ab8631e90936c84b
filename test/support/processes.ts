import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { StopWaiting, waitFor } from './wait-for';

import { porterArgs, porterEnv } from '../../tools/porter-process';

const ROOT = path.resolve(__dirname, '..', '..');

export interface PorterProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Sends a signal and waits for the exit; returns the exit code (null when killed). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Spawns a built Porter process (`npm run build` first) with the run's environment. */
export function spawnPorter(kind: 'api' | 'worker', env: Record<string, string> = {}): PorterProcess {
  const child = spawn(process.execPath, porterArgs(kind), {
    cwd: ROOT,
    env: porterEnv(kind, { ...process.env, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name: kind,
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function exitedEarly(proc: PorterProcess): StopWaiting | null {
  const { exitCode, signalCode } = proc.child;
  if (exitCode === null && signalCode === null) return null;
  return new StopWaiting(`${proc.name} exited early (${signalCode ?? `code ${exitCode}`})`);
}

/**
 * Starts an API process on a free port and waits until it is ready; fails as soon as the
 * process exits instead of waiting out the timeout.
 */
export async function startApi(env: Record<string, string> = {}): Promise<{ process: PorterProcess; baseUrl: string }> {
  const port = env.PORT ?? String(await freePort());
  const api = spawnPorter('api', { ...env, PORT: port, HOST: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const exited = exitedEarly(api);
      if (exited) throw exited;
      const res = await fetch(`${baseUrl}/api/health/ready`).catch(() => null);
      return res?.status === 200;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'the API to become ready' },
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n--- api output ---\n${api.output()}`);
  });
  return { process: api, baseUrl };
}

export interface WorkerProcess extends PorterProcess {
  /** The worker's metrics and liveness listener (its /metrics and /health), or null when turned off. */
  readonly opsUrl: string | null;
}

/**
 * Starts a worker process and waits for its start line. Each worker gets its own free metrics
 * port (tests run several at once; the default 9464 would collide) unless WORKER_METRICS_PORT
 * is given ('0' turns the listener off).
 */
export async function startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  // The start line is logged at info: a quieter level would hide it, so info is the floor here.
  const level = ['info', 'debug', 'trace'].includes(env.LOG_LEVEL ?? '') ? env.LOG_LEVEL : 'info';
  const metricsPort = env.WORKER_METRICS_PORT ?? String(await freePort());
  const worker = spawnPorter('worker', { ...env, LOG_LEVEL: level, WORKER_METRICS_PORT: metricsPort, HOST: env.HOST ?? '127.0.0.1' });
  await waitFor(
    () => {
      const exited = exitedEarly(worker);
      if (exited) throw exited;
      return worker.output().includes('Porter worker started');
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'the worker to start' },
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n--- worker output ---\n${worker.output()}`);
  });
  return { ...worker, opsUrl: metricsPort === '0' ? null : `http://127.0.0.1:${metricsPort}` };
}

export async function freePort(): Promise<number> {
  const net = await import('net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
