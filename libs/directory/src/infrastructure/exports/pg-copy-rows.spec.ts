import { Readable } from 'stream';
import type { PoolClient } from 'pg';
import { DECODE_BYTES, inlineParameters, streamCopyInBatches } from './pg-copy-rows';

function fakeClient(chunks: Buffer[]) {
  const released: Array<boolean | undefined> = [];
  const client = {
    query: () => Readable.from(chunks),
    release: (broken?: boolean) => released.push(broken),
    escapeLiteral: (s: string) => `'${s.replace(/'/g, "''")}'`,
  } as unknown as PoolClient;
  return { client, released };
}

async function collect(chunks: Buffer[], batchSize: number) {
  const { client, released } = fakeClient(chunks);
  const batches: (string | null)[][][] = [];
  for await (const batch of streamCopyInBatches(async () => client, () => 'SELECT 1', batchSize)) batches.push(batch);
  return { batches, released };
}

describe('streamCopyInBatches', () => {
  it('parses COPY text rows: tabs, \\N nulls, backslash escapes, and UTF-8 split across chunks', async () => {
    const text = Buffer.from('a\tZoë\t\\N\n' + 'b\tline\\nbreak\\ttab\\\\slash\\rcr\t\n' + 'c\t日本\tx\n', 'utf8');
    // Cut inside the two-byte "ë" and inside "日".
    const cut1 = text.indexOf(Buffer.from('ë')) + 1;
    const cut2 = text.indexOf(Buffer.from('日')) + 2;
    const { batches, released } = await collect([text.subarray(0, cut1), text.subarray(cut1, cut2), text.subarray(cut2)], 2);
    expect(batches).toEqual([
      [
        ['a', 'Zoë', null],
        ['b', 'line\nbreak\ttab\\slash\rcr', ''],
      ],
      [['c', '日本', 'x']],
    ]);
    expect(released).toEqual([false]);
  });

  it('reads chunks larger than DECODE_BYTES the same: rows, UTF-8 and a row longer than a piece across piece boundaries', async () => {
    const rows: string[][] = [];
    for (let i = 0; rows.length < 3000; i++) rows.push([String(i), i % 7 ? 'Zoë 日本 🎓' : 'x'.repeat(i % 5), i % 3 ? '\\N' : `v${i}\\tw`]);
    rows.splice(1500, 0, ['long', 'é'.repeat(3 * DECODE_BYTES), 'end']);
    const text = Buffer.from(rows.map((r) => r.join('\t') + '\n').join(''), 'utf8');
    expect(text.length).toBeGreaterThan(8 * DECODE_BYTES);
    const expected = rows.map((r) => r.map((f) => (f === '\\N' ? null : f.replace('\\t', '\t'))));
    // One large chunk, and chunks of odd sizes that cut pieces and characters anywhere.
    for (const size of [text.length, DECODE_BYTES * 2 + 3, DECODE_BYTES - 1, 1001]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < text.length; at += size) chunks.push(text.subarray(at, at + size));
      const { batches } = await collect(chunks, 1000);
      expect(batches.map((b) => b.length)).toEqual([1000, 1000, 1000, 1]);
      expect(batches.flat()).toEqual(expected);
    }
  });

  it('cuts fields at every tab: empty first, middle and last fields, a lone \\N, and rows of one column', async () => {
    const { batches } = await collect([Buffer.from('\ta\t\tb\t\n\\N\t\\\\N\t\\N\n')], 10);
    expect(batches).toEqual([
      [
        ['', 'a', '', 'b', ''],
        [null, '\\N', null],
      ],
    ]);
    // One column: no tab anywhere in the text (the search for the next tab must not restart per row).
    const ids = Array.from({ length: 5000 }, (_, i) => `id-${i}`);
    const single = await collect([Buffer.from(ids.join('\n') + '\n' + '\\N\n' + '\n')], 10_000);
    expect(single.batches).toEqual([[...ids.map((id) => [id]), [null], ['']]]);
  });

  it('does not return a connection that stopped mid-COPY to the pool', async () => {
    const { client, released } = fakeClient([Buffer.from('a\n'), Buffer.from('b\n'), Buffer.from('c\n')]);
    for await (const batch of streamCopyInBatches(async () => client, () => 'SELECT 1', 1)) {
      expect(batch).toEqual([['a']]);
      break;
    }
    expect(released).toEqual([true]);
  });
});

describe('inlineParameters', () => {
  it('renders placeholders as escaped literals', () => {
    const client = { escapeLiteral: (s: string) => `'${s.replace(/'/g, "''")}'` };
    expect(inlineParameters(client, 'a = $1 AND b = $2 AND c = ANY($3::text[]) AND d = $10', ["O'Brien", true, ['x', "y'"], 1, 2, 3, 4, 5, 6, 7])).toBe(
      `a = 'O''Brien' AND b = true AND c = ANY(ARRAY['x','y''']::text[]) AND d = 7`,
    );
    expect(() => inlineParameters(client, '$2', [1])).toThrow(/no value/);
  });
});
