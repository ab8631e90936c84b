import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';

/**
 * A JSON body the API cannot read as sent is refused with a problem that says what is wrong, and
 * nothing is stored: bytes that are not UTF-8 are not turned into U+FFFD, a body in another
 * charset is not decoded into garbage, an unknown Content-Encoding is named, and a valid JSON value
 * that is not an object is not called "not valid JSON".
 */
describe('JSON bodies the API cannot take (e2e)', () => {
  let api: PorterProcess;
  let baseUrl: string;
  const authorization = bearer('ada', `t-json-${process.pid}`, { admin: true });

  beforeAll(async () => ({ process: api, baseUrl } = await startApi()));
  afterAll(async () => api?.stop());

  const post = async (body: Buffer | string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}/api/v1/exports`, { method: 'POST', headers: { authorization, 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, type: res.headers.get('content-type'), json: (await res.json()) as { detail?: string } };
  };

  it('refuses bytes that are not UTF-8 (400) instead of storing U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"type":"employees","format":"csv","name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(await post(body)).toMatchObject({ status: 400, type: expect.stringContaining('application/problem+json'), json: { detail: 'The request body is not valid UTF-8' } });
  });

  it('refuses a charset other than UTF-8 (415), naming it', async () => {
    const body = Buffer.from('{"type":"employees","format":"csv"}', 'utf16le');
    expect(await post(body, { 'content-type': 'application/json; charset=utf-16' })).toMatchObject({
      status: 415,
      json: { detail: 'The request body must be UTF-8 encoded (got charset "utf-16")' },
    });
    expect((await post('{}', { 'content-type': 'application/json; charset=latin1' })).json.detail).toBe('The request body must be UTF-8 encoded (got charset "latin1")');
  });

  it('names an unknown Content-Encoding (415)', async () => {
    expect(await post('{}', { 'content-encoding': 'br2' })).toMatchObject({ status: 415, json: { detail: expect.stringMatching(/^Content-Encoding "br2" is not supported/) } });
  });

  it('says a JSON value that is not an object is not one (400), and garbage is not JSON', async () => {
    expect(await post('null')).toMatchObject({ status: 400, json: { detail: 'The request body must be a JSON object, not null' } });
    expect(await post('"x"')).toMatchObject({ status: 400, json: { detail: 'The request body must be a JSON object, not a string' } });
    // Before: "type must be a string; format must be a string", as if an object had lacked them.
    expect(await post('[]')).toMatchObject({ status: 400, json: { detail: 'The request body must be a JSON object, not an array' } });
    expect(await post('[{"type":"employees","format":"csv"}]')).toMatchObject({ status: 400, json: { detail: 'The request body must be a JSON object, not an array' } });
    expect(await post('{"type":')).toMatchObject({ status: 400, json: { detail: 'The request body is not valid JSON' } });
  });

  it('still takes a UTF-8 body, explicit charset or not', async () => {
    const name = 'Müller – 東京 🎉';
    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'application/json; charset="UTF-8"']) {
      const res = await post(JSON.stringify({ type: 'employees', format: 'csv', name }), { 'content-type': contentType });
      expect({ contentType, status: res.status }).toEqual({ contentType, status: 202 });
      expect((res.json as { name?: string }).name).toBe(name);
    }
  });
});
