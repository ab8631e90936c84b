import { decodeStoredCell, encodeStoredCell } from './stored-cell';

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
