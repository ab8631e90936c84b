import { parseArgs } from 'util';
import { ConfigError, loadConfig, signToken } from '@porter/platform';

/** `npm run token -- --user alice|--app NAME --tenant acme [--admin] [--operator] [--scopes s1,s2] [--hours 12]` */
try {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      app: { type: 'string' },
      tenant: { type: 'string' },
      admin: { type: 'boolean', default: false },
      operator: { type: 'boolean', default: false },
      scopes: { type: 'string', default: '' },
      hours: { type: 'string', default: '12' },
    },
  });
  const usage = 'usage: npm run token -- (--user <id> | --app <name>) --tenant <tenant> [--admin] [--operator] [--scopes s1,s2] [--hours 12]';
  if (!values.user === !values.app || !values.tenant) throw new ConfigError(usage);
  const hours = Number(values.hours);
  if (!Number.isFinite(hours) || hours <= 0) throw new ConfigError('--hours must be a positive number');
  const config = loadConfig();
  const scopes = values.scopes ? values.scopes.split(',').map((s) => s.trim()).filter(Boolean) : [];
  const roles = [...(values.admin ? ['admin'] : []), ...(values.operator ? ['operator'] : [])];
  process.stdout.write(signToken({ sub: (values.user ?? values.app)!, tenant: values.tenant, roles, scopes, ...(values.app ? { kind: 'app' as const } : {}) }, config.authJwtSecret, Math.round(hours * 3600)) + '\n');
} catch (error) {
  process.stderr.write(`porter: ${(error as Error).message}\n`);
  process.exit(2);
}
