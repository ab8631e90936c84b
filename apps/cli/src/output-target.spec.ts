import { mkdtempSync, writeFileSync } from 'fs';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { ApiClient } from './client';
import { CliError } from './errors';
import { checkOutputTarget } from './output-target';

describe('checkOutputTarget (-o, checked before the export is requested)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'porter-cli-output-'));
  const usageError = (message: string) => expect.objectContaining({ exitCode: 2, message });

  it('takes a file in an existing directory, an existing file, an existing directory, or the current directory', () => {
    writeFileSync(path.join(dir, 'old.csv'), 'x');
    expect(checkOutputTarget(path.join(dir, 'new.csv'), dir)).toEqual({ target: path.join(dir, 'new.csv'), isDirectory: false });
    expect(checkOutputTarget('old.csv', dir)).toEqual({ target: 'old.csv', isDirectory: false });
    expect(checkOutputTarget(dir, '/')).toEqual({ target: dir, isDirectory: true });
    expect(checkOutputTarget(`${dir}/`, '/')).toEqual({ target: `${dir}/`, isDirectory: true });
    expect(checkOutputTarget(undefined, dir)).toEqual({ target: dir, isDirectory: true });
  });

  it('refuses a file in a directory that does not exist, as a usage error (exit 2) naming the directory', () => {
    expect(() => checkOutputTarget('/nonexistent/dir/x.csv', dir)).toThrow(usageError('-o /nonexistent/dir/x.csv: the directory /nonexistent/dir does not exist'));
    expect(() => checkOutputTarget('missing/x.csv', dir)).toThrow(usageError(`-o missing/x.csv: the directory ${path.join(dir, 'missing')} does not exist`));
  });

  it('refuses a path ending in "/" that is not an existing directory, and a file under a file', () => {
    expect(() => checkOutputTarget('newdir/', dir)).toThrow(usageError('-o newdir/: no such directory (a path ending in "/" names an existing directory)'));
    expect(() => checkOutputTarget('old.csv/', dir)).toThrow(usageError('-o old.csv/: not a directory (a path ending in "/" names an existing directory)'));
    expect(() => checkOutputTarget('old.csv/x.csv', dir)).toThrow(usageError(`-o old.csv/x.csv: ${path.join(dir, 'old.csv')} is not a directory`));
    expect(() => checkOutputTarget('', dir)).toThrow(CliError);
  });

  it('refuses a device or other special file', () => {
    expect(() => checkOutputTarget('/dev/null', dir)).toThrow(usageError('-o /dev/null: not a regular file or a directory'));
  });

  it('refuses a directory it may not write to', () => {
    // /proc/self is a directory no one may create files in, root included (root passes the
    // permission bits of an ordinary directory, so a chmod cannot show this when tests run as root).
    expect(() => checkOutputTarget('/proc/self/x.csv', dir)).toThrow(usageError('-o /proc/self/x.csv: the directory /proc/self is not writable'));
    expect(() => checkOutputTarget('/proc/self', dir)).toThrow(usageError('-o /proc/self: the directory /proc/self is not writable'));
  });
});

describe('ApiClient.download', () => {
  let server: Server;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('reports a file-system failure as one line (exit 1), not as an unexpected error', async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/csv' }).end('a,b\n1,2\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'porter-cli-download-'));
    const gone = path.join(dir, 'gone', 'x.csv');
    const failure = await client.download('/file', gone).catch((error) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({ exitCode: 1, message: `Could not write ${gone}: no such file or directory (ENOENT)` });
    expect((await client.download('/file', dir, true)).bytes).toBe(8);
  });
});
