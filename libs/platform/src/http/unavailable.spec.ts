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
    ['S3 answering 403 AccessDenied (a configuration error)', Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })],
    ['nothing', null],
  ])('is false for %s', (_what, error) => {
    expect(isUnavailable(error)).toBe(false);
  });

  it('maps an outage to a 503 problem with a retry hint', () => {
    expect(toProblem(withCode('ECONNREFUSED'))).toMatchObject({ status: 503, title: 'Service Unavailable', retryAfterSeconds: 5 });
  });
});
