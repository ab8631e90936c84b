import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from './porter-config';

const PRODUCTION_SECRETS = {
  AUTH_JWT_SECRET: 'a-real-production-secret-123',
  DOWNLOAD_LINK_SECRET: 'a-real-download-link-secret-of-32-characters',
  WEBHOOK_SECRET_KEY: 'cd'.repeat(32),
};

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
    expect(config.workerMetricsPort).toBe(9464);
    expect(config.enableTestJobTypes).toBe(false);
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
    [{ WORKER_METRICS_PORT: '65536' }, 'WORKER_METRICS_PORT must be between 0 and 65535, got 65536'],
    [{ WORKER_METRICS_PORT: 'metrics' }, 'WORKER_METRICS_PORT must be an integer, got "metrics"'],
    [{ PORTER_ENABLE_TEST_JOB_TYPES: 'on' }, 'PORTER_ENABLE_TEST_JOB_TYPES must be true or false, got "on"'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('refuses to run in production with the development secret', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('AUTH_JWT_SECRET must be set to a real secret');
    expect(loadConfig({ NODE_ENV: 'production', ...PRODUCTION_SECRETS }).nodeEnv).toBe('production');
  });

  it('derives the link and webhook keys outside production only, and validates them when set', () => {
    const dev = loadConfig({});
    expect(dev.downloadLinkSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(dev.webhookSecretKey).toHaveLength(32);
    const base = { NODE_ENV: 'production', AUTH_JWT_SECRET: 'a-real-production-secret-123' };
    expect(() => loadConfig(base)).toThrow('DOWNLOAD_LINK_SECRET must be set when NODE_ENV=production');
    expect(() => loadConfig({ ...base, DOWNLOAD_LINK_SECRET: PRODUCTION_SECRETS.DOWNLOAD_LINK_SECRET })).toThrow('WEBHOOK_SECRET_KEY must be set when NODE_ENV=production');
    expect(() => loadConfig({ DOWNLOAD_LINK_SECRET: 'short' })).toThrow('DOWNLOAD_LINK_SECRET must be at least 32 characters');
    expect(() => loadConfig({ WEBHOOK_SECRET_KEY: 'c2hvcnQ=' })).toThrow('WEBHOOK_SECRET_KEY must be 32 bytes');
    expect(loadConfig({ WEBHOOK_SECRET_KEY: 'ab'.repeat(32) }).webhookSecretKey).toEqual(Buffer.alloc(32, 0xab));
    expect(loadConfig({ WEBHOOK_ALLOWED_HOSTS: ' 127.0.0.1:*, *.internal ,[::1]:8080' }).webhookAllowedHosts).toEqual(['127.0.0.1:*', '*.internal', '[::1]:8080']);
    expect(() => loadConfig({ WEBHOOK_ALLOWED_HOSTS: 'http://x' })).toThrow('WEBHOOK_ALLOWED_HOSTS must be comma-separated host[:port] patterns');
    expect(() => loadConfig({ WEBHOOK_ALLOWED_HOSTS: ', ,' })).toThrow('WEBHOOK_ALLOWED_HOSTS must be comma-separated host[:port] patterns, got ", ,", which names none');
    expect(loadConfig({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:*,' }).webhookAllowedHosts).toEqual(['127.0.0.1:*']);
    expect(loadConfig({ WEBHOOK_ALLOWED_HOSTS: '  ' }).webhookAllowedHosts).toEqual([]);
  });

  it('takes an SMTP server URL that names its host, and a sender that is one address, alone or with a name', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://mail.example:2525', SMTP_FROM: 'Exports <exports@example.com>' })).toMatchObject({
      smtpUrl: 'smtp://mail.example:2525',
      smtpFrom: 'Exports <exports@example.com>',
    });
    expect(loadConfig({ SMTP_FROM: 'exports@example.com' }).smtpFrom).toBe('exports@example.com');
    expect(() => loadConfig({ SMTP_URL: 'smtp://' })).toThrow(`SMTP_URL must name the SMTP server's host, got "smtp://"`);
    for (const bad of ['not an address', 'Porter <>', 'a@b@c', 'Porter <porter@localhost>\nBcc: x@y.z', '<a@b> trailing']) {
      expect(() => loadConfig({ SMTP_FROM: bad })).toThrow('SMTP_FROM must be an email address, alone or as "Name <address>"');
    }
  });

  it('reads the worker metrics port, where 0 turns the listener off', () => {
    expect(loadConfig({ WORKER_METRICS_PORT: '9100' }).workerMetricsPort).toBe(9100);
    expect(loadConfig({ WORKER_METRICS_PORT: '0' }).workerMetricsPort).toBe(0);
  });

  it('enables the test job types only when asked, and never in production', () => {
    expect(loadConfig({ PORTER_ENABLE_TEST_JOB_TYPES: '1' }).enableTestJobTypes).toBe(true);
    expect(loadConfig({ PORTER_ENABLE_TEST_JOB_TYPES: 'true', NODE_ENV: 'test' }).enableTestJobTypes).toBe(true);
    const production = { NODE_ENV: 'production', ...PRODUCTION_SECRETS };
    expect(loadConfig({ ...production, PORTER_ENABLE_TEST_JOB_TYPES: 'false' }).enableTestJobTypes).toBe(false);
    expect(() => loadConfig({ ...production, PORTER_ENABLE_TEST_JOB_TYPES: '1' })).toThrow(
      'PORTER_ENABLE_TEST_JOB_TYPES must not be set when NODE_ENV=production',
    );
  });

  it('keeps files on local disk unless STORAGE_DRIVER=s3, which needs a bucket', () => {
    expect(loadConfig({})).toMatchObject({
      storageDriver: 'local',
      s3Bucket: null,
      s3Endpoint: null,
      s3Region: 'us-east-1',
      s3ForcePathStyle: false,
      s3KeyPrefix: '',
    });
    expect(() => loadConfig({ STORAGE_DRIVER: 's3' })).toThrow('STORAGE_DRIVER=s3 needs S3_BUCKET');
    expect(
      loadConfig({
        STORAGE_DRIVER: 's3',
        S3_BUCKET: 'porter-files',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_REGION: 'eu-west-3',
        S3_FORCE_PATH_STYLE: 'true',
        S3_KEY_PREFIX: 'porter/prod/',
      }),
    ).toMatchObject({
      storageDriver: 's3',
      s3Bucket: 'porter-files',
      s3Endpoint: 'http://127.0.0.1:9000',
      s3Region: 'eu-west-3',
      s3ForcePathStyle: true,
      s3KeyPrefix: 'porter/prod',
    });
  });

  it.each([
    [{ STORAGE_DRIVER: 'gcs' }, 'STORAGE_DRIVER must be one of local, s3, got "gcs"'],
    [{ S3_BUCKET: 'Not_A_Bucket' }, 'S3_BUCKET must be a bucket name'],
    [{ S3_ENDPOINT: 'ftp://minio' }, 'S3_ENDPOINT must use https or http://'],
    [{ S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT must use https or http://'],
    [{ S3_ENDPOINT: 'not a url' }, 'S3_ENDPOINT must be a URL'],
    [{ S3_REGION: 'EU West' }, 'S3_REGION must be a region name'],
    [{ S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE must be true or false'],
    [{ S3_KEY_PREFIX: '../escape' }, 'S3_KEY_PREFIX must be "/"-separated segments'],
    [{ S3_KEY_PREFIX: '/absolute' }, 'S3_KEY_PREFIX must be "/"-separated segments'],
    [{ S3_KEY_PREFIX: 'a//b' }, 'S3_KEY_PREFIX must be "/"-separated segments'],
    [{ S3_KEY_PREFIX: '.tmp' }, 'S3_KEY_PREFIX must be "/"-separated segments'],
  ])('refuses the storage setting %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
