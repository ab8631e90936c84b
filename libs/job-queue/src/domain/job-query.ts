/**
 * The jobs list's small query language (FOLIO-style CQL, the part Porter needs):
 *
 *   status==failed and type==export* sortBy submittedAt/desc
 *
 * - clauses `field op value` joined by `and`; fields: status, type, name, submittedBy,
 *   submitterKind; operators `==` (equals) and `<>` (differs);
 * - values are bare words or double-quoted strings (`\"`, `\\` and `\*` escape inside quotes);
 *   an unescaped `*` at the end of a string value matches any suffix (not on status or
 *   submitterKind, which are enumerations);
 * - an optional `sortBy field[/asc|/desc]` at the end (submittedAt, updatedAt, name, type,
 *   status, priority); without it the list's `sort` parameter decides.
 *
 * Parsing is pure and produces a tree of named fields and plain values: it never becomes SQL
 * text. The repository turns each clause into a parameterised condition on a fixed column.
 * Every error names the 1-based character position where the query stopped making sense.
 */
export type JobQueryField = 'status' | 'type' | 'name' | 'submittedBy' | 'submitterKind';
export type JobQuerySortField = 'submittedAt' | 'updatedAt' | 'name' | 'type' | 'status' | 'priority';

export interface JobQueryClause {
  field: JobQueryField;
  negated: boolean;
  value: string;
  /** True when the value ended in an unescaped `*`: `value` is then the prefix to match. */
  prefix: boolean;
}

export interface JobQuery {
  clauses: JobQueryClause[];
  sort: { field: JobQuerySortField; direction: 'asc' | 'desc' } | null;
}

export class JobQuerySyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`${reason} at position ${position}`);
    this.name = 'JobQuerySyntaxError';
  }
}

const FIELDS: readonly JobQueryField[] = ['status', 'type', 'name', 'submittedBy', 'submitterKind'];
const SORT_FIELDS: readonly JobQuerySortField[] = ['submittedAt', 'updatedAt', 'name', 'type', 'status', 'priority'];
const ENUMERATED: ReadonlySet<JobQueryField> = new Set(['status', 'submitterKind']);
export const JOB_QUERY_MAX_LENGTH = 1000;
export const JOB_QUERY_MAX_CLAUSES = 20;

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; prefix: boolean; at: number }
  | { kind: 'op'; text: '==' | '<>'; at: number }
  | { kind: 'slash'; at: number }
  | { kind: 'end'; at: number };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '=' || c === '<') {
      const op = input.slice(i, i + 2);
      if (op !== '==' && op !== '<>') {
        // `status=failed`: a single `=` (SQL's, CQL's), named as such rather than with the value's first letter.
        const written = c === '=' ? '=' : op[1] === '=' ? '<=' : '<';
        throw new JobQuerySyntaxError(i + 1, `unknown operator "${written}" (use == or <>)`);
      }
      tokens.push({ kind: 'op', text: op, at: i + 1 });
      i += 2;
    } else if (c === '/') {
      tokens.push({ kind: 'slash', at: i + 1 });
      i++;
    } else if (c === '"') {
      const start = i;
      let text = '';
      let prefix = false;
      i++;
      for (;;) {
        if (i >= input.length) throw new JobQuerySyntaxError(start + 1, 'unterminated quoted string');
        const d = input[i];
        if (d === '\\') {
          const next = input[i + 1];
          if (next !== '"' && next !== '\\' && next !== '*') throw new JobQuerySyntaxError(i + 1, 'unknown escape (use \\", \\\\ or \\*)');
          text += next;
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          // An unescaped star counts only as the last character of the value.
          prefix = d === '*' && input[i + 1] === '"';
          if (!prefix) text += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', text, prefix, at: start + 1 });
    } else if (/[^\s"=<>/()]/.test(c)) {
      const start = i;
      while (i < input.length && /[^\s"=<>/()]/.test(input[i])) i++;
      tokens.push({ kind: 'word', text: input.slice(start, i), at: start + 1 });
    } else {
      throw new JobQuerySyntaxError(i + 1, `unexpected character "${c}"`);
    }
  }
  tokens.push({ kind: 'end', at: input.length + 1 });
  return tokens;
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'end of query';
  if (token.kind === 'slash') return '"/"';
  return `"${token.text}"`;
}

/** Parses a jobs-list query; throws JobQuerySyntaxError naming the position of the first problem. */
export function parseJobQuery(input: string, allowedStatuses: readonly string[]): JobQuery {
  if (input.length > JOB_QUERY_MAX_LENGTH) throw new JobQuerySyntaxError(JOB_QUERY_MAX_LENGTH + 1, `query longer than ${JOB_QUERY_MAX_LENGTH} characters`);
  const tokens = tokenize(input);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];
  const isWord = (token: Token, word: string) => token.kind === 'word' && token.text.toLowerCase() === word.toLowerCase();

  const clauses: JobQueryClause[] = [];
  let sort: JobQuery['sort'] = null;
  while (peek().kind !== 'end' && !isWord(peek(), 'sortBy')) {
    if (clauses.length) {
      const joiner = next();
      if (!isWord(joiner, 'and')) throw new JobQuerySyntaxError(joiner.at, `expected "and" or "sortBy", found ${describe(joiner)}`);
    }
    if (clauses.length === JOB_QUERY_MAX_CLAUSES) throw new JobQuerySyntaxError(peek().at, `at most ${JOB_QUERY_MAX_CLAUSES} clauses`);
    const field = next();
    if (field.kind !== 'word' || !FIELDS.includes(field.text as JobQueryField)) {
      throw new JobQuerySyntaxError(field.at, `expected a field (${FIELDS.join(', ')}), found ${describe(field)}`);
    }
    const op = next();
    if (op.kind !== 'op') throw new JobQuerySyntaxError(op.at, `expected == or <> after ${field.text}, found ${describe(op)}`);
    const value = next();
    if (value.kind !== 'word' && value.kind !== 'string') throw new JobQuerySyntaxError(value.at, `expected a value, found ${describe(value)}`);
    let text = value.text;
    let prefix = value.kind === 'string' ? value.prefix : false;
    if (value.kind === 'word' && text.endsWith('*')) {
      text = text.slice(0, -1);
      prefix = true;
    }
    if (value.kind === 'word' && text.includes('*')) throw new JobQuerySyntaxError(value.at, 'a wildcard * may only end a value');
    const name = field.text as JobQueryField;
    if (prefix && ENUMERATED.has(name)) throw new JobQuerySyntaxError(value.at, `${name} takes no wildcard`);
    if (name === 'status' && !allowedStatuses.includes(text)) {
      throw new JobQuerySyntaxError(value.at, `unknown status "${text}" (one of ${allowedStatuses.join(', ')})`);
    }
    if (name === 'submitterKind' && text !== 'user' && text !== 'app') throw new JobQuerySyntaxError(value.at, 'submitterKind is user or app');
    if (text.length > 200) throw new JobQuerySyntaxError(value.at, 'value longer than 200 characters');
    clauses.push({ field: name, negated: op.text === '<>', value: text, prefix });
  }
  if (isWord(peek(), 'sortBy')) {
    next();
    const field = next();
    if (field.kind !== 'word' || !SORT_FIELDS.includes(field.text as JobQuerySortField)) {
      throw new JobQuerySyntaxError(field.at, `expected a sort field (${SORT_FIELDS.join(', ')}), found ${describe(field)}`);
    }
    let direction: 'asc' | 'desc' = 'asc';
    if (peek().kind === 'slash') {
      next();
      const modifier = next();
      const word = modifier.kind === 'word' ? modifier.text.toLowerCase() : '';
      if (word === 'asc' || word === 'ascending') direction = 'asc';
      else if (word === 'desc' || word === 'descending') direction = 'desc';
      else throw new JobQuerySyntaxError(modifier.at, `expected asc or desc, found ${describe(modifier)}`);
    }
    sort = { field: field.text as JobQuerySortField, direction };
  }
  const rest = peek();
  if (rest.kind !== 'end') throw new JobQuerySyntaxError(rest.at, `unexpected ${describe(rest)}`);
  return { clauses, sort };
}
