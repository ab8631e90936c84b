import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { ApiClient } from './client';
import { CliError } from './errors';

describe('ApiClient against something that is not the Porter API', () => {
  let server: Server;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('answers a 200 that is not JSON (a proxy page, another service) with one line and exit 3', async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const failure = await new ApiClient(base, 'token').get('/api/v1/jobs').catch((error) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({
      exitCode: 3,
      message: `GET ${base}/api/v1/jobs answered 200 with something that is not JSON (text/plain: "ok"); is ${base} the Porter API?`,
    });
  });
});
