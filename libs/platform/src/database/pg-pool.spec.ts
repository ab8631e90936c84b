import { boundQueries, requestBoundSettings } from './pg-pool';

/** A client whose queries answer when the test says so, and whose connection records a destroy. */
function fakeClient() {
  const pending: Array<(error: Error | null, result?: unknown) => void> = [];
  const destroyed: Error[] = [];
  const client = {
    connection: { stream: { destroy: (error?: Error) => destroyed.push(error as Error) } },
    query(_config: unknown, _values?: unknown, callback?: (error: Error | null, result?: unknown) => void): unknown {
      if (callback) return void pending.push(callback);
      return new Promise((resolve, reject) => pending.push((error, result) => (error ? reject(error) : resolve(result))));
    },
  };
  return { client, pending, destroyed };
}

describe('boundQueries', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('destroys the connection of a query that got no answer in time, with a "Query read timeout" error', () => {
    const { client, destroyed } = fakeClient();
    void (boundQueries(client, 1000).query('SELECT 1') as Promise<unknown>).catch(() => undefined);
    jest.advanceTimersByTime(999);
    expect(destroyed).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(destroyed.map((e) => e.message)).toEqual(['Query read timeout: Postgres did not answer within 1000 ms']);
  });

  it('leaves a connection alone whose queries answer in time (promise and callback forms)', async () => {
    const { client, pending, destroyed } = fakeClient();
    boundQueries(client, 1000);
    const answered = client.query('SELECT 1');
    const callback = jest.fn();
    client.query('SELECT $1', [1], callback);
    const failed = (client.query('SELECT 2') as Promise<unknown>).catch((error: Error) => error.message);
    pending[0](null, 'rows');
    pending[1](null, 'more rows');
    pending[2](new Error('syntax error'));
    await expect(answered).resolves.toBe('rows');
    await expect(failed).resolves.toBe('syntax error');
    expect(callback).toHaveBeenCalledWith(null, 'more rows');
    jest.advanceTimersByTime(5000);
    expect(destroyed).toHaveLength(0);
  });

  it('does not bound streams and cursors (COPY runs as long as its data flows)', () => {
    const { client, destroyed } = fakeClient();
    boundQueries(client, 1000).query({ submit: () => undefined });
    jest.advanceTimersByTime(60_000);
    expect(destroyed).toHaveLength(0);
  });
});

describe('requestBoundSettings', () => {
  it('sets statement_timeout, the connect timeout and a read bound one second later', () => {
    expect(requestBoundSettings({ timeoutMs: 5000 })).toEqual({ options: '-c statement_timeout=5000', connectionTimeoutMillis: 5000, readTimeoutMs: 6000 });
  });

  it('sets nothing without a bound (workers) or with 0', () => {
    for (const bounds of [undefined, { timeoutMs: 0 }]) expect(requestBoundSettings(bounds)).toEqual({ options: '', readTimeoutMs: 0 });
  });
});
