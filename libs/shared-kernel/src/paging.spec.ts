import { MAX_PAGE_LIMIT, pageRequest, sqlDirection } from './paging';

describe('pageRequest', () => {
  it('defaults to the first page of 20, newest first', () => {
    expect(pageRequest()).toEqual({ offset: 0, limit: 20, order: 'newest' });
  });

  it('caps the limit and replaces invalid values by the defaults', () => {
    expect(pageRequest(-1, 0)).toEqual({ offset: 0, limit: 20, order: 'newest' });
    expect(pageRequest(40, 5000)).toEqual({ offset: 40, limit: MAX_PAGE_LIMIT, order: 'newest' });
    expect(pageRequest(1.5, 2.5).offset).toBe(0);
  });

  it('keeps oldest-first when asked, and sorts descending otherwise', () => {
    expect(pageRequest(0, 10, 'oldest').order).toBe('oldest');
    expect(sqlDirection('oldest')).toBe('ASC');
    expect(sqlDirection('newest')).toBe('DESC');
    expect(sqlDirection(undefined)).toBe('DESC');
  });
});
