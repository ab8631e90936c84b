import { JobQuerySyntaxError, parseJobQuery } from './job-query';

const STATUSES = ['scheduled', 'pending', 'running', 'cancelling', 'succeeded', 'failed', 'cancelled', 'deleted'];
const parse = (q: string) => parseJobQuery(q, STATUSES);

function errorOf(q: string): JobQuerySyntaxError {
  try {
    parse(q);
  } catch (error) {
    if (error instanceof JobQuerySyntaxError) return error;
    throw error;
  }
  throw new Error(`"${q}" parsed`);
}

describe('parseJobQuery', () => {
  it('parses clauses joined by and, with a sort', () => {
    expect(parse('status==failed and type==export sortBy submittedAt/desc')).toEqual({
      clauses: [
        { field: 'status', negated: false, value: 'failed', prefix: false },
        { field: 'type', negated: false, value: 'export', prefix: false },
      ],
      sort: { field: 'submittedAt', direction: 'desc' },
    });
  });

  it('reads <> as a negation and a trailing * as a prefix match', () => {
    expect(parse('type<>porter-test* AND name=="Monthly *"').clauses).toEqual([
      { field: 'type', negated: true, value: 'porter-test', prefix: true },
      { field: 'name', negated: false, value: 'Monthly ', prefix: true },
    ]);
  });

  it('keeps escaped quotes, backslashes and stars literal', () => {
    expect(parse('name=="a \\"b\\" \\\\ c\\*"').clauses[0]).toEqual({ field: 'name', negated: false, value: 'a "b" \\ c*', prefix: false });
  });

  it('accepts an empty query and a sort alone, ascending by default', () => {
    expect(parse('')).toEqual({ clauses: [], sort: null });
    expect(parse('  sortBy name')).toEqual({ clauses: [], sort: { field: 'name', direction: 'asc' } });
  });

  it.each([
    ['status=failed', 7, 'unknown operator "=" (use == or <>)'],
    ['status<failed', 7, 'unknown operator "<" (use == or <>)'],
    ['status<=failed', 7, 'unknown operator "<=" (use == or <>)'],
    ['status==nope', 9, 'unknown status "nope"'],
    ['color==red', 1, 'expected a field'],
    ['status==failed or type==x', 16, 'expected "and" or "sortBy"'],
    ['type==', 7, 'expected a value, found end of query'],
    ['name=="open', 7, 'unterminated quoted string'],
    ['name=="a\\n"', 9, 'unknown escape'],
    ['type==a*b', 7, 'a wildcard * may only end a value'],
    ['status==fail*', 9, 'status takes no wildcard'],
    ['submitterKind==robot', 16, 'submitterKind is user or app'],
    ['status==failed sortBy payload', 23, 'expected a sort field'],
    ['status==failed sortBy name/sideways', 28, 'expected asc or desc'],
    ['type==x sortBy name extra', 21, 'unexpected "extra"'],
    ['type==x; DROP TABLE job', 10, 'expected "and" or "sortBy", found "DROP"'],
    ['(type==x)', 1, 'unexpected character "("'],
  ])('refuses %j at position %i', (query, position, reason) => {
    const error = errorOf(query);
    expect(error.position).toBe(position);
    expect(error.message).toContain(reason);
  });

  it('bounds the query length and the number of clauses', () => {
    expect(errorOf('type==' + 'x'.repeat(1000)).message).toContain('longer than 1000');
    expect(errorOf(Array.from({ length: 21 }, () => 'type==x').join(' and ')).message).toContain('at most 20 clauses');
  });
});
