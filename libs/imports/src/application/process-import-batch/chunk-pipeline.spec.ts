import type { PreparedRow } from '../../domain/prepared-row';
import { CHUNK_MAX_CHARS, ChunkPipeline, cellsLength } from './chunk-pipeline';
import { RunTimings } from './run-timings';

const row = (rowNumber: number, cells: unknown[]): PreparedRow => ({ rowNumber, cells, values: null, failure: 'too long' });
const pipeline = (chunkSize: number) => new ChunkPipeline([], {} as never, chunkSize, 0, () => undefined, new RunTimings());

describe('ChunkPipeline.push: a chunk ends at its row count or at its budget of characters', () => {
  it('ends a chunk of usual rows at the chunk size', () => {
    const p = pipeline(3);
    expect([1, 2, 3].map((n) => p.push(row(n, ['Ada', 'Lovelace', `ada${n}@example.com`])))).toEqual([false, false, true]);
  });

  it('ends a chunk of rows near the record limit (1 MiB) once their cells reach the budget, long before the row count', () => {
    const p = pipeline(5000);
    const big = 'n'.repeat(1024 * 1024 - 100);
    const full: boolean[] = [];
    for (let n = 1; n <= 10; n++) full.push(p.push(row(n, ['A', 'B', `a${n}@x.io`, big])));
    const rowsInChunk = Math.ceil(CHUNK_MAX_CHARS / (big.length + 10));
    expect(full.indexOf(true)).toBe(rowsInChunk - 1);
  });

  it('counts strings by length and other cells by their JSON, without throwing on values JSON cannot hold', () => {
    expect(cellsLength(['abc', null, undefined, 12, true])).toBe(3 + 8 + 8);
    expect(cellsLength([{ a: 'x'.repeat(100) }])).toBe(JSON.stringify({ a: 'x'.repeat(100) }).length);
    expect(cellsLength([{ a: 10n }])).toBe(8);
  });
});
