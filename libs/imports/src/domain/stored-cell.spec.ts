import { decodeStoredCell, decodeStoredRow, encodeStoredCell, encodeStoredRow } from './stored-cell';

describe('stored cells', () => {
  const roundTrip = (cells: unknown[]) => JSON.parse(JSON.stringify(cells.map(encodeStoredCell))).map(decodeStoredCell);

  it('keep an absent JSONL key absent, apart from an explicit null, through JSON storage', () => {
    expect(roundTrip(['Ada', undefined, null, '', 0, false])).toEqual(['Ada', undefined, null, '', 0, false]);
    expect(roundTrip([undefined])[0]).toBeUndefined();
    expect(roundTrip([null])[0]).toBeNull();
  });

  it("never take a file's own object for the absence marker", () => {
    const objects = [{ $absent: true }, { $value: 1 }, { $value: { $absent: true } }, { a: 1 }, [1, { $absent: true }], {}];
    expect(roundTrip(objects)).toEqual(objects);
  });
});

describe('a stored row with a failure to repeat', () => {
  it('keeps the cells as they were and hands the failure back; plain rows and file objects are untouched', () => {
    const stored = encodeStoredRow(['a', undefined, { $failed: 'not mine' }], 'keys "email" and "EMAIL" name the same column');
    expect(JSON.parse(JSON.stringify(stored))).toEqual(['a', { $absent: true }, { $value: { $failed: 'not mine' } }, { $failed: 'keys "email" and "EMAIL" name the same column' }]);
    expect(decodeStoredRow(JSON.parse(JSON.stringify(stored)))).toEqual({
      cells: ['a', undefined, { $failed: 'not mine' }],
      failure: 'keys "email" and "EMAIL" name the same column',
    });
    expect(decodeStoredRow(encodeStoredRow(['a', { $failed: 'x' }], null) as unknown[])).toEqual({ cells: ['a', { $failed: 'x' }] });
  });
});
