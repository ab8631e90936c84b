import { createHmac } from 'crypto';
import { assertValidKey } from '../storage/file-storage.port';

/**
 * Every setting Porter reads, from the environment, with a local default and a validator.
 * `loadConfig` fails with ONE line naming the variable, so an operator sees at once what to fix.
 */
export const DEVELOPMENT_JWT_SECRET = 'porter-development-secret-do-not-use-in-production';

export interface PorterConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  databaseUrl: string;
  databasePoolMax: number;
  /**
   * API process only: how long a connection may take to open (or to come free) and a statement to
   * run (statement_timeout; a server that answers nothing: this plus 1 s) before the request
   * answers 503 with Retry-After; 0: no bound. Workers are never bounded (long COPY statements).
   */
  databaseRequestTimeoutMs: number;
  redisUrl: string;
  queuePrefix: string;
  storageDir: string;
  /** Where files live: `local` (STORAGE_DIR) or `s3` (an S3-compatible bucket; see ADR 040). */
  storageDriver: 'local' | 's3';
  /** Required when STORAGE_DRIVER=s3. */
  s3Bucket: string | null;
  /** An S3-compatible service's URL; null: AWS itself. */
  s3Endpoint: string | null;
  s3Region: string;
  s3ForcePathStyle: boolean;
  /** Safe key segments without a trailing slash (`porter/prod`), or empty. */
  s3KeyPrefix: string;
  authJwtSecret: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  jsonBodyLimitBytes: number;
  uploadMaxBytes: number;
  uploadMaxFiles: number;
  workerConcurrency: number;
  workerMetricsPort: number;
  shutdownGraceMs: number;
  jobPollingIntervalMs: number;
  jobPurgeAgeMs: number;
  jobPurgeIntervalMs: number;
  jobMaxAttempts: number;
  jobBackoffMs: number;
  jobLockDurationMs: number;
  jobMaxStalls: number;
  /**
   * How long a job's runs that fail because a dependency is unreachable (the file store) are
   * retried without using up attempts, counted from the first such failure (ADR 091); 0: they
   * count like any failure.
   */
  jobOutageRetryMs: number;
  jobTenantMaxConcurrentJobs: number;
  jobTenantMaxPendingJobs: number;
  /** How often the API reads the jobs its live streams follow (one query per process for every stream, ADR 042). */
  jobStreamPollIntervalMs: number;
  /** Interval of the comment lines that keep an idle live stream open through proxies. */
  jobStreamHeartbeatMs: number;
  /** Live streams one user (tenant and subject) may hold open on one API process at once (0: no limit). */
  jobStreamMaxPerUser: number;
  /** Live streams one API process holds open at once, all users together (0: no limit). */
  jobStreamMax: number;
  exportCsvBom: boolean;
  exportRetentionPurgeIntervalMs: number;
  exportBatchSize: number;
  exportMaxRowsPerSecond: number;
  enableTestJobTypes: boolean;
  /** RS256/ES256 tokens checked against this JWKS document (cached, refetched for an unknown `kid`); null: HS256 with AUTH_JWT_SECRET. */
  authJwksUrl: string | null;
  /** OTLP/HTTP endpoint; set = traces exported (ADR 049). Read by the tracing bootstrap itself; validated here. */
  otelExporterOtlpEndpoint: string | null;
  authIssuer: string | null;
  authAudience: string | null;
  authClockSkewSeconds: number;
  storageTmpMaxAgeMs: number;
  storageTmpSweepIntervalMs: number;
  rateLimitEnabled: boolean;
  rateLimitWindowMs: number;
  rateLimitPerTenant: number;
  rateLimitPerAddress: number;
  /** How often each worker looks for due export schedules; 0: never in this process (ADR 047). */
  scheduleTickIntervalMs: number;
  /** HMAC key of signed download links (ADR 044); derived from AUTH_JWT_SECRET outside production when unset. */
  downloadLinkSecret: string;
  /** Absolute origin put before links handed to the outside (webhooks); null: links are paths of this API. */
  publicBaseUrl: string | null;
  /** AES-256-GCM key (32 bytes) that encrypts webhook signing secrets at rest (ADR 045); derived outside production when unset. */
  webhookSecretKey: Buffer;
  /** host[:port] patterns (`*` wildcards) whose webhooks may resolve to private addresses. */
  webhookAllowedHosts: string[];
  webhookTimeoutMs: number;
  /** First retry delay of a failed delivery; each later one doubles (with jitter), capped (ADR 046). */
  webhookBackoffBaseMs: number;
  /** An endpoint failing every delivery for this long is disabled. */
  webhookDisableAfterMs: number;
  /** SMTP server for email notifications (`smtp://user:pass@host:587`, `smtps://...`); null: email off. */
  smtpUrl: string | null;
  /** From address of Porter's emails. */
  smtpFrom: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

interface Setting<K extends keyof PorterConfig> {
  key: K;
  env: string;
  default: string;
  parse: (raw: string, env: string) => PorterConfig[K];
}

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => (raw: string, env: string): number => {
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${env} must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${env} must be between ${min} and ${max}, got ${n}`);
  return n;
};

const url = (protocols: string[]) => (raw: string, env: string): string => {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${env} must be a URL (${protocols.join(' or ')}), got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
    throw new ConfigError(`${env} must use ${protocols.join(' or ')}://, got "${parsed.protocol}//"`);
  }
  return raw;
};

const oneOf = <T extends string>(values: readonly T[]) => (raw: string, env: string): T => {
  if (!values.includes(raw as T)) throw new ConfigError(`${env} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
};

const boolean = (raw: string, env: string): boolean => {
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(`${env} must be true or false, got "${raw}"`);
};

const nonEmpty = (pattern?: RegExp, hint?: string) => (raw: string, env: string): string => {
  if (!raw.trim()) throw new ConfigError(`${env} must not be empty`);
  if (pattern && !pattern.test(raw)) throw new ConfigError(`${env} ${hint}, got "${raw}"`);
  return raw;
};

/** Empty, or `/`-separated segments a storage key may hold (no `..`, no leading dot); a trailing `/` is dropped. */
const keyPrefix = (raw: string, env: string): string => {
  const trimmed = raw.trim().replace(/\/+$/, '');
  if (!trimmed) return '';
  try {
    assertValidKey(trimmed);
  } catch {
    throw new ConfigError(`${env} must be "/"-separated segments of letters, digits, ".", "_" and "-" (none starting with "." or holding ".."), got "${raw}"`);
  }
  return trimmed;
};

/** An optional setting: empty (the default) is null. */
/** An SMTP URL must name its server: `smtp://` alone would be taken for localhost by the mailer. */
const smtpUrl = (raw: string, env: string): string => {
  const value = url(['smtp', 'smtps'])(raw, env);
  if (!new URL(value).hostname) throw new ConfigError(`${env} must name the SMTP server's host, got "${raw}"`);
  return value;
};

/**
 * The sender of Porter's emails: `address@host` or `Display Name <address@host>`, one line. A
 * mailer given anything else sent mail with an empty sender, which receiving servers discard.
 */
const mailbox = (raw: string, env: string): string => {
  const value = raw.trim();
  const address = /^[^<>\r\n]*<([^<>]*)>$/.exec(value)?.[1] ?? value;
  if (/[\r\n]/.test(value) || !/^[^\s@<>()",;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(address)) {
    throw new ConfigError(`${env} must be an email address, alone or as "Name <address>", got "${raw}"`);
  }
  return value;
};

const optional = <T>(parse: (raw: string, env: string) => T) => (raw: string, env: string): T | null => (raw.trim() === '' ? null : parse(raw, env));

// Declared once; README's configuration table mirrors this list.
/** 32 bytes as 64 hex digits or base64; empty: null (a development key is derived later). */
const aesKey = (raw: string, env: string): Buffer => {
  const trimmed = raw.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new ConfigError(`${env} must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -base64 32), got ${key.length} bytes`);
  return key;
};

/** Comma-separated host[:port] patterns; `*` matches within a label run (e.g. `127.0.0.1:*`, `*.internal`). */
const hostPatterns = (raw: string, env: string): string[] => {
  const items = raw.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
  // Set, yet naming nothing (`, ,`): a mistake, not a wish to allow no private receiver (unset says that).
  if (raw.trim() && !items.length) throw new ConfigError(`${env} must be comma-separated host[:port] patterns, got ${JSON.stringify(raw)}, which names none`);
  for (const item of items) {
    if (!/^(\[[0-9a-f:.*]+\]|[a-z0-9.*-]+)(:(\d{1,5}|\*))?$/.test(item)) throw new ConfigError(`${env} must be comma-separated host[:port] patterns, got "${item}"`);
  }
  return items;
};

const SETTINGS: Setting<keyof PorterConfig>[] = [
  { key: 'nodeEnv', env: 'NODE_ENV', default: 'development', parse: oneOf(['development', 'production', 'test'] as const) },
  { key: 'host', env: 'HOST', default: '0.0.0.0', parse: nonEmpty() },
  { key: 'port', env: 'PORT', default: '3000', parse: integer(0, 65535) },
  { key: 'databaseUrl', env: 'DATABASE_URL', default: 'postgres://postgres@127.0.0.1:5432/porter', parse: url(['postgres', 'postgresql']) },
  { key: 'databasePoolMax', env: 'DATABASE_POOL_MAX', default: '10', parse: integer(1, 200) },
  { key: 'databaseRequestTimeoutMs', env: 'DATABASE_REQUEST_TIMEOUT_MS', default: '5000', parse: integer(0, 600_000) },
  { key: 'redisUrl', env: 'REDIS_URL', default: 'redis://127.0.0.1:6379', parse: url(['redis', 'rediss']) },
  { key: 'queuePrefix', env: 'QUEUE_PREFIX', default: 'porter', parse: nonEmpty(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, "_" and "-"') },
  { key: 'storageDir', env: 'STORAGE_DIR', default: './var/storage', parse: nonEmpty() },
  { key: 'storageDriver', env: 'STORAGE_DRIVER', default: 'local', parse: oneOf(['local', 's3'] as const) },
  {
    key: 's3Bucket',
    env: 'S3_BUCKET',
    default: '',
    parse: optional(nonEmpty(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3-63 lowercase letters, digits, "." and "-")')),
  },
  { key: 's3Endpoint', env: 'S3_ENDPOINT', default: '', parse: optional(url(['https', 'http'])) },
  { key: 's3Region', env: 'S3_REGION', default: 'us-east-1', parse: nonEmpty(/^[a-z0-9-]+$/, 'must be a region name such as us-east-1') },
  { key: 's3ForcePathStyle', env: 'S3_FORCE_PATH_STYLE', default: 'false', parse: boolean },
  { key: 's3KeyPrefix', env: 'S3_KEY_PREFIX', default: '', parse: keyPrefix },
  { key: 'authJwtSecret', env: 'AUTH_JWT_SECRET', default: DEVELOPMENT_JWT_SECRET, parse: nonEmpty(/^.{16,}$/s, 'must be at least 16 characters') },
  { key: 'logLevel', env: 'LOG_LEVEL', default: 'info', parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) },
  { key: 'jsonBodyLimitBytes', env: 'JSON_BODY_LIMIT_BYTES', default: String(1024 * 1024), parse: integer(1024) },
  { key: 'uploadMaxBytes', env: 'UPLOAD_MAX_BYTES', default: String(1024 * 1024 * 1024), parse: integer(1) },
  { key: 'uploadMaxFiles', env: 'UPLOAD_MAX_FILES', default: '1', parse: integer(1, 100) },
  { key: 'workerConcurrency', env: 'WORKER_CONCURRENCY', default: '4', parse: integer(1, 256) },
  { key: 'workerMetricsPort', env: 'WORKER_METRICS_PORT', default: '9464', parse: integer(0, 65535) },
  { key: 'shutdownGraceMs', env: 'SHUTDOWN_GRACE_MS', default: '25000', parse: integer(0) },
  { key: 'jobPollingIntervalMs', env: 'JOB_POLLING_INTERVAL_MS', default: '1000', parse: integer(10) },
  { key: 'jobPurgeAgeMs', env: 'JOB_PURGE_AGE_MS', default: String(30 * 24 * 3600 * 1000), parse: integer(1000) },
  { key: 'jobPurgeIntervalMs', env: 'JOB_PURGE_INTERVAL_MS', default: String(3600 * 1000), parse: integer(1000) },
  { key: 'jobMaxAttempts', env: 'JOB_MAX_ATTEMPTS', default: '3', parse: integer(1, 100) },
  { key: 'jobBackoffMs', env: 'JOB_BACKOFF_MS', default: '1000', parse: integer(0) },
  { key: 'jobLockDurationMs', env: 'JOB_LOCK_DURATION_MS', default: '30000', parse: integer(1000) },
  { key: 'jobMaxStalls', env: 'JOB_MAX_STALLS', default: '3', parse: integer(0, 100) },
  { key: 'jobOutageRetryMs', env: 'JOB_OUTAGE_RETRY_MS', default: String(3600 * 1000), parse: integer(0, 7 * 24 * 3600 * 1000) },
  { key: 'jobTenantMaxConcurrentJobs', env: 'JOB_TENANT_MAX_CONCURRENT_JOBS', default: '0', parse: integer(0, 100_000) },
  { key: 'jobTenantMaxPendingJobs', env: 'JOB_TENANT_MAX_PENDING_JOBS', default: '0', parse: integer(0, 100_000_000) },
  { key: 'jobStreamPollIntervalMs', env: 'JOB_STREAM_POLL_INTERVAL_MS', default: '250', parse: integer(10, 60_000) },
  { key: 'jobStreamHeartbeatMs', env: 'JOB_STREAM_HEARTBEAT_MS', default: '15000', parse: integer(100, 300_000) },
  { key: 'jobStreamMaxPerUser', env: 'JOB_STREAM_MAX_PER_USER', default: '50', parse: integer(0, 1_000_000) },
  { key: 'jobStreamMax', env: 'JOB_STREAM_MAX', default: '5000', parse: integer(0, 1_000_000) },
  { key: 'exportCsvBom', env: 'EXPORT_CSV_BOM', default: 'true', parse: boolean },
  { key: 'exportRetentionPurgeIntervalMs', env: 'EXPORT_RETENTION_PURGE_INTERVAL_MS', default: String(3600 * 1000), parse: integer(1000) },
  { key: 'exportBatchSize', env: 'EXPORT_BATCH_SIZE', default: '1000', parse: integer(1, 100_000) },
  { key: 'exportMaxRowsPerSecond', env: 'EXPORT_MAX_ROWS_PER_SECOND', default: '0', parse: integer(0) },
  { key: 'enableTestJobTypes', env: 'PORTER_ENABLE_TEST_JOB_TYPES', default: 'false', parse: boolean },
  { key: 'authJwksUrl', env: 'AUTH_JWKS_URL', default: '', parse: optional(url(['https', 'http'])) },
  { key: 'otelExporterOtlpEndpoint', env: 'OTEL_EXPORTER_OTLP_ENDPOINT', default: '', parse: optional(url(['https', 'http'])) },
  { key: 'authIssuer', env: 'AUTH_ISSUER', default: '', parse: optional((raw) => raw.trim()) },
  { key: 'authAudience', env: 'AUTH_AUDIENCE', default: '', parse: optional((raw) => raw.trim()) },
  { key: 'authClockSkewSeconds', env: 'AUTH_CLOCK_SKEW_S', default: '5', parse: integer(0, 300) },
  { key: 'storageTmpMaxAgeMs', env: 'STORAGE_TMP_MAX_AGE_MS', default: String(15 * 60_000), parse: integer(1000) },
  { key: 'storageTmpSweepIntervalMs', env: 'STORAGE_TMP_SWEEP_INTERVAL_MS', default: String(5 * 60_000), parse: integer(500) },
  { key: 'rateLimitEnabled', env: 'RATE_LIMIT_ENABLED', default: 'true', parse: boolean },
  { key: 'rateLimitWindowMs', env: 'RATE_LIMIT_WINDOW_MS', default: '60000', parse: integer(1000, 3_600_000) },
  { key: 'rateLimitPerTenant', env: 'RATE_LIMIT_PER_TENANT', default: '6000', parse: integer(1, 10_000_000) },
  { key: 'rateLimitPerAddress', env: 'RATE_LIMIT_PER_ADDRESS', default: '3000', parse: integer(1, 10_000_000) },
  { key: 'scheduleTickIntervalMs', env: 'SCHEDULE_TICK_INTERVAL_MS', default: '5000', parse: integer(0, 3_600_000) },
  { key: 'downloadLinkSecret', env: 'DOWNLOAD_LINK_SECRET', default: '', parse: (raw, env) => (raw === '' ? '' : nonEmpty(/^.{32,}$/s, 'must be at least 32 characters')(raw, env)) },
  { key: 'publicBaseUrl', env: 'PUBLIC_BASE_URL', default: '', parse: optional((raw, env) => url(['https', 'http'])(raw, env).replace(/\/+$/, '')) },
  { key: 'webhookSecretKey', env: 'WEBHOOK_SECRET_KEY', default: '', parse: (raw, env) => (raw === '' ? Buffer.alloc(0) : aesKey(raw, env)) },
  { key: 'webhookAllowedHosts', env: 'WEBHOOK_ALLOWED_HOSTS', default: '', parse: hostPatterns },
  { key: 'webhookTimeoutMs', env: 'WEBHOOK_TIMEOUT_MS', default: '10000', parse: integer(100, 60_000) },
  { key: 'webhookBackoffBaseMs', env: 'WEBHOOK_BACKOFF_BASE_MS', default: '30000', parse: integer(10, 3_600_000) },
  { key: 'smtpUrl', env: 'SMTP_URL', default: '', parse: optional(smtpUrl) },
  { key: 'smtpFrom', env: 'SMTP_FROM', default: 'Porter <porter@localhost>', parse: mailbox },
  { key: 'webhookDisableAfterMs', env: 'WEBHOOK_DISABLE_AFTER_MS', default: String(24 * 3600 * 1000), parse: integer(1000) },
];

export const CONFIG_SETTINGS: ReadonlyArray<{ env: string; default: string }> = SETTINGS.map((s) => ({ env: s.env, default: s.default }));

export function loadConfig(env: Env = process.env): PorterConfig {
  const config = {} as Record<string, unknown>;
  for (const setting of SETTINGS) {
    const raw = env[setting.env];
    config[setting.key] = setting.parse(raw === undefined || raw === '' ? setting.default : raw, setting.env);
  }
  const result = config as unknown as PorterConfig;
  // Tokens from an identity provider are only as good as the checks that they were issued for us.
  if (result.authJwksUrl && (!result.authIssuer || !result.authAudience)) {
    throw new ConfigError('AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE (tokens must name who issued them and for whom)');
  }
  if (result.storageDriver === 's3' && !result.s3Bucket) {
    throw new ConfigError('STORAGE_DRIVER=s3 needs S3_BUCKET (the bucket Porter keeps its files in)');
  }
  if (result.nodeEnv === 'production' && result.authJwtSecret === DEVELOPMENT_JWT_SECRET) {
    throw new ConfigError('AUTH_JWT_SECRET must be set to a real secret when NODE_ENV=production (the development secret is refused)');
  }
  // The test job types let any authenticated caller submit jobs that sleep, fail on purpose or
  // write files: a switch for tests and demos that production refuses outright.
  if (result.nodeEnv === 'production' && result.enableTestJobTypes) {
    throw new ConfigError('PORTER_ENABLE_TEST_JOB_TYPES must not be set when NODE_ENV=production (test job types are for tests and demos)');
  }
  // Development conveniences, refused in production like the development JWT secret: keys
  // derived from AUTH_JWT_SECRET, so a local setup works without setting three secrets.
  if (!result.downloadLinkSecret) {
    if (result.nodeEnv === 'production') throw new ConfigError('DOWNLOAD_LINK_SECRET must be set when NODE_ENV=production (at least 32 characters; it signs download links)');
    result.downloadLinkSecret = createHmac('sha256', result.authJwtSecret).update('porter:download-link').digest('hex');
  }
  if (!result.webhookSecretKey.length) {
    if (result.nodeEnv === 'production') throw new ConfigError('WEBHOOK_SECRET_KEY must be set when NODE_ENV=production (32 bytes, e.g. openssl rand -base64 32; it encrypts webhook secrets)');
    result.webhookSecretKey = createHmac('sha256', result.authJwtSecret).update('porter:webhook-secret-key').digest();
  }
  return result;
}

/** DI token for the validated configuration. */
export const PORTER_CONFIG = Symbol('PORTER_CONFIG');
