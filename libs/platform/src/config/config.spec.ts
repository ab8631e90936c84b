import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from './porter-config';

describe('loadConfig', () => {
  it('fills every setting with its local default', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/porter');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.queuePrefix).toBe('porter');
    expect(config.storageDir).toBe('./var/storage');
    expect(config.authJwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
    expect(config.workerConcurrency).toBe(4);
  });

  it('reads values from the environment', () => {
    const config = loadConfig({ PORT: '8080', WORKER_CONCURRENCY: '9', EXPORT_CSV_BOM: 'false', NODE_ENV: 'test' });
    expect(config).toMatchObject({ port: 8080, workerConcurrency: 9, exportCsvBom: false, nodeEnv: 'test' });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer, got "abc"'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535, got 70000'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must use postgres or postgresql://'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL must be a URL'],
    [{ QUEUE_PREFIX: 'a:b' }, 'QUEUE_PREFIX must contain only letters'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of development, production, test'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY must be between 1 and 256'],
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET must be at least 16 characters'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('refuses to run in production with the development secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('AUTH_JWT_SECRET must be set to a real secret');
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-real-production-secret-123' }).nodeEnv).toBe('production');
  });
});
