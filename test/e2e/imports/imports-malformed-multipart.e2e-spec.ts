import { request as httpRequest } from 'http';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';

/** Sends raw bytes as a multipart upload and returns the status and body (or the socket error). */
function rawUpload(baseUrl: string, path: string, auth: string, contentType: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const req = httpRequest(url, { method: 'POST', headers: { authorization: auth, 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('imports: malformed multipart bodies', () => {
  let api: PorterProcess;
  let baseUrl: string;
  const tenant = `t-multipart-${Date.now()}`;
  const auth = bearer('uploader', tenant);

  beforeAll(async () => {
    ({ process: api, baseUrl } = await startApi());
  });
  afterAll(() => api?.stop());

  async function createRecord(): Promise<string> {
    const res = await fetch(`${baseUrl}/api/v1/imports`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'employees', sourceName: 'multipart', expectedReferenceCount: -1 }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  it('answers a body that ends in the middle of the file part with 400, and keeps serving', async () => {
    const id = await createRecord();
    const truncated = '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nfirst_name,last_name,email\r\nAda,Lovelace,ada@example.com';
    const res = await rawUpload(baseUrl, `/api/v1/imports/${id}/batches`, auth, 'multipart/form-data; boundary=xyz', truncated);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, detail: expect.stringContaining('Malformed multipart request') });

    const record = await fetch(`${baseUrl}/api/v1/imports/${id}`, { headers: { authorization: auth } });
    expect(record.status).toBe(200);
    expect(((await record.json()) as { batches: unknown[] }).batches).toEqual([]);
    expect(api.child.exitCode).toBeNull();
  });

  it('answers a multipart body without a boundary, or with garbage, with 400', async () => {
    const id = await createRecord();
    for (const [type, body] of [
      ['multipart/form-data', 'garbage'],
      ['multipart/form-data; boundary=xyz', 'garbage without any boundary'],
    ]) {
      const res = await rawUpload(baseUrl, `/api/v1/imports/${id}/batches`, auth, type, body);
      expect(res.status).toBe(400);
    }
    expect((await fetch(`${baseUrl}/api/health`)).status).toBe(200);
  });
});
