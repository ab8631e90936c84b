import { Readable } from 'stream';
import { FileParts } from './file-parts';

const part = (name: string) => ({ stream: Readable.from([]), fileName: name });

async function drain(parts: FileParts): Promise<string[]> {
  const names: string[] = [];
  for await (const p of parts) names.push(p.fileName!);
  return names;
}

describe('FileParts (the file parts of a multipart body, as the upload command reads them)', () => {
  it('yields the parts pushed before and after the consumer waits, then ends', async () => {
    const parts = new FileParts();
    parts.push(part('a'));
    const read = drain(parts);
    parts.push(part('b'));
    parts.end();
    await expect(read).resolves.toEqual(['a', 'b']);
    expect(parts.count).toBe(2);
  });

  it('a refusal fails a waiting consumer and wins over parts still queued; later parts and ends are ignored', async () => {
    const waiting = new FileParts();
    const read = drain(waiting);
    waiting.fail(new Error('too many files'));
    await expect(read).rejects.toThrow('too many files');

    const queued = new FileParts();
    queued.push(part('a'));
    queued.fail(new Error('malformed'));
    queued.push(part('b'));
    queued.end();
    await expect(drain(queued)).rejects.toThrow('malformed');
    expect(queued.count).toBe(1);
    expect((queued.refusal as Error).message).toBe('malformed');
  });

  it('a consumer that stops (its own failure) closes it without recording a refusal', async () => {
    const parts = new FileParts();
    parts.push(part('a'));
    parts.push(part('b'));
    for await (const p of parts) {
      expect(p.fileName).toBe('a');
      break;
    }
    expect(parts.closed).toBe(true);
    expect(parts.refusal).toBeNull();
  });
});
