import { PassThrough, Readable } from 'stream';
import type { IncomingMessage as Request } from 'http';
import { jsonObjectField, receiveFileParts } from './multipart-intake';

const BOUNDARY = 'porter-test-boundary';

type Part = { field: string; value: string } | { file: string; name: string; content: string };

/** A request-like stream carrying a multipart body (busboy reads headers and the piped bytes). */
function request(parts: Part[]): Request {
  const body =
    parts
      .map((p) =>
        'value' in p
          ? `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.field}"\r\n\r\n${p.value}\r\n`
          : `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.file}"; filename="${p.name}"\r\nContent-Type: text/plain\r\n\r\n${p.content}\r\n`,
      )
      .join('') + `--${BOUNDARY}--\r\n`;
  const req = new PassThrough() as unknown as Request & PassThrough;
  Object.assign(req, { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, complete: true });
  Readable.from([Buffer.from(body)]).pipe(req);
  return req;
}

/** Reads every part: field name, file name and content, plus the required fields the command got. */
async function receive(req: Request, options: Parameters<typeof receiveFileParts>[1], checks: Parameters<typeof receiveFileParts>[4] = {}) {
  return receiveFileParts(
    req,
    options,
    (file) => file,
    async (parts, fields) => {
      const got = await fields;
      const files: string[] = [];
      for await (const part of parts) {
        const chunks: Buffer[] = [];
        for await (const chunk of part.stream) chunks.push(chunk as Buffer);
        files.push(`${part.field}:${part.fileName}:${Buffer.concat(chunks).toString()}`);
      }
      return { fields: got, files };
    },
    checks,
  );
}

const requestField = { fieldsBeforeFiles: { request: jsonObjectField('request', 1024) }, requiredFields: ['request'] };
const attachments = { maxFiles: 2, maxFileBytes: 100, fileFields: { attachment: 2 }, filesOptional: true };

describe('receiveFileParts: several file fields, required fields, optional files', () => {
  it('hands the command the required field, then the file parts of every known field in order', async () => {
    const result = await receive(
      request([
        { field: 'request', value: '{"type":"employees"}' },
        { file: 'attachment', name: 'a.txt', content: 'A' },
        { file: 'attachment', name: 'b.txt', content: 'B' },
      ]),
      attachments,
      requestField,
    );
    expect(result).toEqual({ fields: { request: { type: 'employees' } }, files: ['attachment:a.txt:A', 'attachment:b.txt:B'] });
  });

  it('refuses a part the upload does not take (a misnamed file part was dropped silently), naming it (400)', async () => {
    const misnamed = request([{ field: 'request', value: '{}' }, { file: 'attachment', name: 'a.txt', content: 'A' }, { file: 'attachments', name: 'b.txt', content: 'B' }]);
    await expect(receive(misnamed, attachments, requestField)).rejects.toMatchObject({
      kind: 'bad_request',
      message: 'Unexpected file part "attachments": this upload takes a "request" field and "attachment" file parts',
    });
    await expect(receive(request([{ field: 'request', value: '{}' }, { field: 'note', value: 'x' }]), attachments, requestField)).rejects.toMatchObject({
      kind: 'bad_request',
      message: 'Unexpected form field "note": this upload takes a "request" field and "attachment" file parts',
    });
    await expect(receive(request([{ field: 'file', value: 'a,b' }]), { maxFiles: 1, maxFileBytes: 10 })).rejects.toMatchObject({
      kind: 'bad_request',
      message: 'Unexpected form field (not a file: no filename) "file": this upload takes "file" file parts',
    });
  });

  it('refuses a field given twice (which one was meant?)', async () => {
    await expect(receive(request([{ field: 'request', value: '{"a":1}' }, { field: 'request', value: '{"a":2}' }]), attachments, requestField)).rejects.toMatchObject({
      kind: 'bad_request',
      message: 'The "request" field is given twice',
    });
  });

  it('reads file names as UTF-8, as browsers, curl and the CLI send them', async () => {
    const result = await receive(request([{ field: 'request', value: '{}' }, { file: 'attachment', name: 'Müller–Ærø 😀.csv', content: 'A' }]), attachments, requestField);
    expect(result.files).toEqual(['attachment:Müller–Ærø 😀.csv:A']);
  });

  it('accepts a body without file parts when files are optional', async () => {
    await expect(receive(request([{ field: 'request', value: '{}' }]), attachments, requestField)).resolves.toEqual({ fields: { request: {} }, files: [] });
  });

  it('refuses a file part before the required field, and a body without it (400)', async () => {
    await expect(receive(request([{ file: 'attachment', name: 'a.txt', content: 'A' }, { field: 'request', value: '{}' }]), attachments, requestField)).rejects.toMatchObject({
      kind: 'bad_request',
      message: 'The "request" field must come before the first file part',
    });
    await expect(receive(request([]), attachments, requestField)).rejects.toMatchObject({ kind: 'bad_request', message: 'The multipart body has no "request" field' });
  });

  it('refuses one part past a field\'s maximum (413 naming the field)', async () => {
    const three = [1, 2, 3].map((i): Part => ({ file: 'attachment', name: `${i}.txt`, content: `${i}` }));
    await expect(receive(request([{ field: 'request', value: '{}' }, ...three]), attachments, requestField)).rejects.toMatchObject({
      kind: 'too_large',
      message: 'At most 2 "attachment" file part(s) per upload',
    });
  });

  it('refuses a form field after a file part, naming the field of that part', async () => {
    const files = { maxFiles: 2, maxFileBytes: 100, fileFields: { file: 1, attachment: 1 } };
    await expect(
      receive(request([{ file: 'attachment', name: 'a.txt', content: 'A' }, { field: 'mapping', value: '{}' }, { file: 'file', name: 'f.csv', content: 'x' }]), files, {
        fieldsBeforeFiles: { mapping: (v) => v },
      }),
    ).rejects.toMatchObject({ kind: 'bad_request', message: 'The "mapping" field must come before the "attachment" part' });
  });

  it('without fileFields keeps its single-field behaviour: no file part is a 400', async () => {
    await expect(receive(request([]), { maxFiles: 1, maxFileBytes: 10 })).rejects.toMatchObject({
      kind: 'bad_request',
      message: 'The multipart body has no "file" part',
    });
  });
});

describe('jsonObjectField (a form field holding a JSON object)', () => {
  const read = jsonObjectField('request', 1024);

  it('reads an object', () => {
    expect(read('{"type":"employees","ids":["1"]}', false)).toEqual({ type: 'employees', ids: ['1'] });
  });

  it('refuses what a JSON body would refuse, naming the field', () => {
    expect(() => read('{"a":1}', true)).toThrow('The "request" field is larger than 1024 bytes');
    expect(() => read('{"a":', false)).toThrow(/^The "request" field is not valid JSON/);
    expect(() => read('[1]', false)).toThrow('The "request" field must be a JSON object');
    expect(() => read('null', false)).toThrow('The "request" field must be a JSON object');
    expect(() => read('{"a":"x\\u0000y"}', false)).toThrow(/NUL/);
    expect(() => read(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`, false)).toThrow(/nests deeper than 32 levels/);
  });
});
