import { createServer, IncomingMessage, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { run } from '../../apps/cli/src/main';

/** A request the stand-in API received: method, URL and the parsed JSON body (undefined: none). */
export interface SeenRequest {
  method: string;
  url: string;
  body: unknown;
}

export interface PorterRun {
  code: number;
  stdout: string;
  stderr: string;
  requests: SeenRequest[];
}

/** The stand-in API's answer to one request: a status and a JSON body (none for 204). */
export type StandIn = (request: SeenRequest) => { status: number; body?: unknown };

/**
 * `porter ARGS` in process (apps/cli unit specs), its stdout and stderr caught rather than
 * printed. With `api`, against a stand-in API on a local port (`--url` and `--token` are put
 * first) that records every request; without, as given.
 */
export async function porterInProcess(args: string[], api?: StandIn): Promise<PorterRun> {
  const requests: SeenRequest[] = [];
  const server = api
    ? createServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const seen = { method: req.method ?? '', url: req.url ?? '', body: text ? JSON.parse(text) : undefined };
          requests.push(seen);
          const answer = api(seen);
          const type = answer.status >= 400 ? 'application/problem+json' : 'application/json';
          if (answer.body === undefined) res.writeHead(answer.status).end();
          else res.writeHead(answer.status, { 'content-type': type }).end(JSON.stringify(answer.body));
        });
      })
    : null;
  if (server) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const connection = server ? ['--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '--token', 't'] : [];
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const exitCode = process.exitCode;
  try {
    return { code: await run(['node', 'porter', ...connection, ...args]), stdout, stderr, requests };
  } finally {
    process.exitCode = exitCode;
    out.mockRestore();
    err.mockRestore();
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
}
