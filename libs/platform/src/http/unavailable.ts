/**
 * Whether an error means a service Porter depends on (Postgres, Redis, the file store) could not
 * be reached or dropped the connection: a transient outage the client should retry (503 with
 * Retry-After), not a bug (500). Driver and ORM errors are walked through their `cause` chain.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

// SQLSTATE: class 08 connection exceptions, 57P01-57P03 shutdown / cannot connect now, 53300 too many connections.
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;

const MESSAGES = [
  /Connection terminated/i, // pg: the server went away mid-query, or a connect timed out
  /timeout exceeded when trying to connect/i, // pg-pool: no client came free, or a connect timed out
  /^timeout expired$/i, // pg: the client's own connect timeout (connectionTimeoutMillis)
  /Query read timeout/i, // pg query_timeout, and the API pools' read bound (database/pg-pool.ts): Postgres answered nothing
  /Timeout acquiring a connection/i, // knex (MikroORM): no connection within acquireConnectionTimeout
  /Client has encountered a connection error/i, // pg
  /Connection is closed/i, // ioredis
  /Reached the max retries per request limit/i, // ioredis MaxRetriesPerRequestError
  /getaddrinfo/i,
];

const NAMES = new Set(['ConnectionException', 'KnexTimeoutError', 'MaxRetriesPerRequestError', 'StorageUnavailableError', 'IdentityProviderUnavailableError']);

export function isUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
    // 57014 query_canceled: only the API's statement_timeout (DATABASE_REQUEST_TIMEOUT_MS), the
    // server too slow to answer in time; a cancel on request (pg_cancel_backend) is not an outage.
    if (code === '57014' && typeof message === 'string' && /statement timeout/i.test(message)) return true;
    if (typeof name === 'string' && NAMES.has(name)) return true;
    // The S3 client's errors: the store answered 5xx (ServiceUnavailable, SlowDown, InternalError).
    const status = (e as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    if (typeof status === 'number' && status >= 500 && status <= 599) return true;
    if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) return true;
    // AggregateError (node's net when every address refused): look at its parts.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((inner) => isUnavailable(inner))) return true;
  }
  return false;
}

/** Seconds a client should wait before retrying a request refused during an outage. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;
