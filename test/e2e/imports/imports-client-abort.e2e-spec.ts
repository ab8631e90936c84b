import { randomUUID } from 'crypto';
import { existsSync, promises as fs } from 'fs';
import { connect, Socket } from 'net';
import * as path from 'path';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { employeesCsv, IMPORT_ENV, importsClient } from './import-support';

async function entries(dir: string): Promise<string[]> {
  return existsSync(dir) ? fs.readdir(dir) : [];
}

/**
 * A client that disconnects while a file part streams: the request must settle (the half-written
 * file aborted, the files already stored for the request deleted) instead of waiting forever on a
 * file stream nobody ends.
 */
describe('imports: a client that disconnects mid-upload', () => {
  let api: PorterProcess;
  let baseUrl: string;

  beforeAll(async () => {
    ({ process: api, baseUrl } = await startApi({ ...IMPORT_ENV, UPLOAD_MAX_FILES: '2' }));
  });
  afterAll(() => api?.stop());

  it('leaves no batch, no stored file and no temporary file, and the api keeps serving', async () => {
    const tenant = `t-${randomUUID()}`;
    const authorization = bearer('alice', tenant);
    const c = importsClient(baseUrl, authorization);
    const recordId = await c.createRecord();
    const uploadDir = path.join(process.env.STORAGE_DIR!, 'imports', `t-${tenant}`, recordId);
    const tmpDir = path.join(process.env.STORAGE_DIR!, '.tmp');
    const tmpBefore = new Set(await entries(tmpDir));

    const url = new URL(baseUrl);
    const socket: Socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let answered = '';
    socket.on('data', (chunk) => (answered += chunk.toString()));
    socket.on('error', () => undefined);
    const part = (name: string) => `--xyz\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/csv\r\n\r\n`;
    socket.write(
      `POST /api/v1/imports/${recordId}/batches HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${authorization}\r\n` +
        `Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 50000000\r\n\r\n`,
    );
    // A complete first file, then most of a second one (past the bytes the format is sniffed from).
    socket.write(`${part('one.csv')}${employeesCsv(20)}\r\n${part('two.csv')}${employeesCsv(2000, 100)}`);
    await waitFor(async () => (await entries(uploadDir)).length >= 1 || null, { timeoutMs: 10_000, intervalMs: 20, what: 'the first file to be stored' });
    socket.destroy();

    await waitFor(async () => ((await entries(uploadDir)).length === 0 ? true : null), { timeoutMs: 10_000, intervalMs: 50, what: 'the stored files to be deleted' });
    await waitFor(async () => ((await entries(tmpDir)).every((name) => tmpBefore.has(name)) ? true : null), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the half-written file to be aborted',
    });
    expect(answered).toBe('');
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
    expect((await fetch(`${baseUrl}/api/health`)).status).toBe(200);
    expect(api.child.exitCode).toBeNull();
    // The record takes a new upload: nothing of the aborted request holds it.
    expect((await c.upload(recordId, employeesCsv(5))).status).toBe(202);
  });
});
