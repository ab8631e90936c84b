import { randomUUID } from 'crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { metricsRegistry } from './metrics';
import { problem } from '../http/problem';
import { StartError } from '../process/process-lifecycle';

/**
 * A process without an HTTP API of its own (the worker) still needs to be scraped and probed:
 * this is a bare node:http listener with `GET /metrics` (the process registry) and `GET /health`
 * (liveness: the event loop answers). No Nest, no auth, nothing else: it must keep answering
 * while the process is busy or draining, and must never be able to reach job data.
 */
export interface OpsServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function startOpsServer(host: string, port: number): Promise<OpsServer> {
  const server = createServer((req, res) => void answer(req, res));
  // Scrapers keep connections alive; a short idle timeout lets close() finish promptly.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(new StartError(`cannot listen on ${host}:${port} for metrics (WORKER_METRICS_PORT): ${error.code ?? error.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const requestId = String(req.headers['x-request-id'] ?? randomUUID());
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-request-id': requestId });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const fail = (status: number, detail: string) =>
    send(status, 'application/problem+json', JSON.stringify({ ...problem(status, detail), instance: path, requestId }));

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return fail(405, `${req.method} is not allowed here`);
  }
  if (path === '/health') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
  if (path === '/metrics') {
    try {
      return send(200, metricsRegistry.contentType, await metricsRegistry.metrics());
    } catch (error) {
      return fail(500, `collecting metrics failed: ${(error as Error).message}`);
    }
  }
  return fail(404, `No route for ${req.method} ${path} (this listener serves /metrics and /health)`);
}
