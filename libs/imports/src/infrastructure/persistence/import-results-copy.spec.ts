import { jsonbText } from './import-results-copy';

describe('jsonb text of stored cells', () => {
  it('keeps what Postgres cannot store out', () => {
    expect(jsonbText(['x\u0000', '\uD800'])).toBe('["x\uFFFD","\uFFFD"]');
  });
});
