import { createHash } from 'crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagOnSend, serializeReplyBody, weakETag } from './etag';

/** Express' weak ETag, computed here from its definition: W/"<length in hex>-<first 27 base64 chars of the SHA-1>". */
function expressTag(body: string): string {
  const hash = createHash('sha1').update(body, 'utf8').digest('base64').substring(0, 27);
  return `W/"${Buffer.byteLength(body).toString(16)}-${hash}"`;
}

function tagOf(body: string): string {
  const headers = new Map<string, string>([['content-type', 'application/json; charset=utf-8']]);
  const reply = {
    statusCode: 200,
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    header: (name: string, value: string) => headers.set(name.toLowerCase(), value),
    code: jest.fn(),
    removeHeader: jest.fn(),
  } as unknown as FastifyReply;
  const request = { raw: { method: 'GET' }, headers: {} } as unknown as FastifyRequest;
  let sent: unknown;
  etagOnSend(request, reply, body, (_error, payload) => (sent = payload));
  expect(sent).toBe(body);
  return headers.get('etag')!;
}

describe('reply bodies and their ETags', () => {
  it('serialises a frozen object once and gives every answer of it the same text', () => {
    const page = Object.freeze({ items: Object.freeze([Object.freeze({ id: 'a', n: 1 })]), totalRecords: 1 });
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      const first = serializeReplyBody(page);
      const again = serializeReplyBody(page);
      expect(first).toBe('{"items":[{"id":"a","n":1}],"totalRecords":1}');
      expect(again).toBe(first);
      expect(stringify).toHaveBeenCalledTimes(1);
    } finally {
      stringify.mockRestore();
    }
  });

  it('serialises an object that is not frozen every time: it may have changed in between', () => {
    const body: { status: string } = { status: 'running' };
    expect(serializeReplyBody(body)).toBe('{"status":"running"}');
    body.status = 'succeeded';
    expect(serializeReplyBody(body)).toBe('{"status":"succeeded"}');
    expect(serializeReplyBody(null)).toBe('null');
    expect(serializeReplyBody(['x'])).toBe('["x"]');
  });

  it("gives every body Express' weak ETag, whether its tag was remembered or not", () => {
    const bodies = ['{"a":1}', '{"a":2}', '{"b":"é"}', 'x'.repeat(70 * 1024), '{"a":1}'];
    // Each twice (the second from the remembered tags), and a body equal to an earlier one but another string object.
    for (const body of [...bodies, ...bodies, JSON.stringify({ a: 1 })]) expect(tagOf(body)).toBe(expressTag(body));
    // More distinct bodies than are remembered: the oldest is computed again, still right.
    for (let i = 0; i < 10; i++) expect(tagOf(`{"i":${i}}`)).toBe(expressTag(`{"i":${i}}`));
    expect(tagOf('{"a":1}')).toBe(expressTag('{"a":1}'));
    expect(weakETag(Buffer.from('{"a":1}'))).toBe(expressTag('{"a":1}'));
  });
});
