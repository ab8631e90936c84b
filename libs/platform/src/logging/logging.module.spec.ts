import type { IncomingMessage, ServerResponse } from 'http';
import { requestLogFields, responseLogFields } from './logging.module';

const request = (url: string, headers: Record<string, string>): IncomingMessage & { id: string } =>
  ({ id: 'r-1', method: 'GET', url, headers, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage & { id: string };

describe('request log fields (an allowlist)', () => {
  it('keeps the id, method, URL, address and three harmless headers, and no other header', () => {
    const fields = requestLogFields(
      request('/api/v1/jobs?limit=5', {
        authorization: 'Bearer secret',
        cookie: 'porter_session=secret',
        'x-api-key': 'secret',
        'user-agent': 'curl/8',
        'content-type': 'application/json',
        'content-length': '12',
      }),
    );
    expect(fields).toEqual({
      id: 'r-1',
      method: 'GET',
      url: '/api/v1/jobs?limit=5',
      remoteAddress: '127.0.0.1',
      'user-agent': 'curl/8',
      'content-type': 'application/json',
      'content-length': '12',
    });
    expect(JSON.stringify(fields)).not.toContain('secret');
  });

  it("hides a signed download link's signature and keeps the rest of its URL", () => {
    expect(requestLogFields(request('/api/v1/exports/e1/file?expires=1800000000&sig=AbC-123_x', {})).url).toBe(
      '/api/v1/exports/e1/file?expires=1800000000&sig=[redacted]',
    );
    expect(requestLogFields(request('/api/v1/exports/e1/file?sig=AbC&expires=1', {})).url).toBe('/api/v1/exports/e1/file?sig=[redacted]&expires=1');
    expect(requestLogFields(request('/api/v1/jobs?query=design', {})).url).toBe('/api/v1/jobs?query=design');
  });

  it('says of a response its status and, when set, its length', () => {
    const res = (status: number, length?: string) => ({ statusCode: status, getHeader: () => length }) as unknown as ServerResponse;
    expect(responseLogFields(res(200, '42'))).toEqual({ statusCode: 200, contentLength: 42 });
    expect(responseLogFields(res(204))).toEqual({ statusCode: 204 });
  });
});
