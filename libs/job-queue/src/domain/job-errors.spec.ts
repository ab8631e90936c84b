import { errorMessage } from './job-errors';

describe('errorMessage', () => {
  it('is what a thrown value says, made storable: a NUL quoted from the data no longer fails the write that ends the run', () => {
    expect(errorMessage(new Error('row 3: bad value "a\u0000b"'))).toBe('row 3: bad value "a\uFFFDb"');
    expect(errorMessage('plain \u0000')).toBe('plain \uFFFD');
    expect(errorMessage(new TypeError(''))).toBe('TypeError');
  });
});
