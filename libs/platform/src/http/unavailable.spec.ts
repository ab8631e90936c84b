import { toProblem } from './problem-details.filter';
import { isUnavailable } from './unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isUnavailable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['a Postgres shutdown (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a connection exception (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg-pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['pg-pool: a new connection timed out', new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') })],
    ['pg: the client connect timeout', new Error('timeout expired')],
    ['pg: query_timeout', new Error('Query read timeout')],
    ['the API pools: no answer, connection dropped', new Error('Query read timeout: Postgres did not answer within 6000 ms')],
    ['knex: no connection in time', Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?'), { name: 'KnexTimeoutError' })],
    ['knex timeout as MikroORM wraps it', Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'DriverException' })],
    ['a KnexTimeoutError by name alone', Object.assign(new Error('x'), { name: 'KnexTimeoutError' })],
    ['statement_timeout (57014)', withCode('57014', 'canceling statement due to statement timeout')],
    ['statement_timeout behind an ORM wrapper', Object.assign(new Error('wrapped'), { name: 'DriverException', cause: withCode('57014', 'canceling statement due to statement timeout') })],
    ['ioredis: closed', new Error('Connection is closed.')],
    ['an ORM wrapper with the cause inside', Object.assign(new Error('wrapped'), { name: 'DriverException', cause: withCode('ECONNREFUSED') })],
    ['an AggregateError of refusals', Object.assign(new AggregateError([withCode('ECONNREFUSED')], 'all failed'))],
    ['S3 answering 503 SlowDown', Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } })],
    ['S3 answering 500 InternalError', Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } })],
  ])('is true for %s', (_what, error) => {
    expect(isUnavailable(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError('x is not a function')],
    ['a unique violation', withCode('23505')],
    ['a data exception', withCode('22P02')],
    ['a cancel on request (57014)', withCode('57014', 'canceling statement due to user request')],
    ['lock_timeout (55P03)', withCode('55P03', 'canceling statement due to lock timeout')],
    ['an unrelated timeout message', new Error('session timeout expired for user x')],
    ['S3 answering 403 AccessDenied (a configuration error)', Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })],
    ['nothing', null],
  ])('is false for %s', (_what, error) => {
    expect(isUnavailable(error)).toBe(false);
  });

  it('maps an outage to a 503 problem with a retry hint', () => {
    expect(toProblem(withCode('ECONNREFUSED'))).toMatchObject({ status: 503, title: 'Service Unavailable', retryAfterSeconds: 5 });
  });
});
