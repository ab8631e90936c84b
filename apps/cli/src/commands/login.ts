import { Command } from 'commander';
import { createInterface } from 'readline';
import { Writable } from 'stream';
import { ApiClient } from '../client';
import { configFile, removeStoredConfig, resolveConnection, writeStoredConfig } from '../config';
import { CliError, EXIT } from '../errors';
import { Output } from '../terminal';
import { GlobalOptions } from './context';

async function readToken(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  // The token is a credential: typed or pasted, it is not echoed (as a password prompt), so it
  // stays out of the terminal's scrollback and off a shared screen.
  // The interface first: it puts the terminal in raw mode, so nothing typed after the prompt appears.
  const hidden = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: hidden, terminal: true });
  process.stderr.write('Paste a bearer token (not shown): ');
  try {
    // Ctrl-C: interrupted (130); Ctrl-D: no token (a usage error below), never a silent exit 0.
    const answer = await new Promise<string>((resolve, reject) => {
      rl.question('', resolve);
      rl.on('SIGINT', () => reject(new CliError('Interrupted: no token stored', EXIT.interrupted)));
      rl.on('close', () => resolve(''));
    });
    return answer.trim();
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

function claimsOf(token: string): { sub?: string; tenant?: string } {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

export function loginCommand(): Command {
  return new Command('login')
    .description('check a token against the API and keep it (with the URL) in ~/.config/porter/config.json, mode 0600')
    .addHelpText('after', '\nThe token comes from --token, or standard input, or a prompt.')
    .action(async (_options, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const out = new Output(globals.json === true);
      const url = resolveConnection({ url: globals.url }).url;
      const token = globals.token || (await readToken());
      if (!token) throw new CliError('No token given', EXIT.usage);
      await new ApiClient(url, token).get('/api/v1/jobs?limit=1');
      const file = configFile();
      writeStoredConfig({ url, token }, file);
      const claims = claimsOf(token);
      out.result({ url, user: claims.sub ?? null, tenant: claims.tenant ?? null, configFile: file }, () => `Signed in to ${url} as ${claims.sub ?? '?'} (tenant ${claims.tenant ?? '?'}); saved in ${file}.`);
    });
}

export function logoutCommand(): Command {
  return new Command('logout').description('forget the stored URL and token').action((_options, command: Command) => {
    const out = new Output(command.optsWithGlobals<GlobalOptions>().json === true);
    const file = configFile();
    const removed = removeStoredConfig(file);
    out.result({ configFile: file, removed }, () => (removed ? `Removed ${file}.` : `Nothing to remove: no login is stored (${file} does not exist).`));
  });
}

export function tokenCommand(): Command {
  return new Command('token')
    .description('print a bearer token signed with AUTH_JWT_SECRET (local use; `npm run token` is the same)')
    .option('--user <id>', 'user id (the token subject)')
    .option('--app <name>', "a service account's name instead of a user (claim kind: app)")
    .requiredOption('--tenant <tenant>', 'tenant')
    .option('--admin', 'tenant admin')
    .option('--operator', 'platform operator (queue dashboard)')
    .option('--scopes <s1,s2>', 'operational scope ids', '')
    .option('--hours <n>', 'lifetime in hours', '12')
    .option('--email <address>', "the token's email claim: where `export --notify-email` mails the download link")
    .action(async (options, command: Command) => {
      const out = new Output(command.optsWithGlobals<GlobalOptions>().json === true);
      if (!options.user === !options.app) throw new CliError('usage: porter token (--user <id> | --app <name>) --tenant <tenant> [--admin] [--operator] [--scopes s1,s2] [--hours 12] [--email address]', EXIT.usage);
      const hours = Number(options.hours);
      if (!Number.isFinite(hours) || hours <= 0) throw new CliError('--hours must be a positive number', EXIT.usage);
      // Loaded here only: the platform library is large, and no other command needs it.
      const { loadConfig, signToken, ConfigError, isEmailClaim } = await import('@porter/platform');
      const { SYSTEM_USER_ID } = await import('@porter/shared-kernel');
      // The API's own rules (principalFromClaims): the platform's own subject, and any `email` but
      // one plain address, would be refused with 401.
      if ((options.user ?? options.app) === SYSTEM_USER_ID) throw new CliError(`"${SYSTEM_USER_ID}" is reserved for the work Porter does on its own: choose another --user or --app`, EXIT.usage);
      if (options.email !== undefined && !isEmailClaim(options.email)) {
        throw new CliError(`--email must be one plain address such as alice@example.com (no display name, no spaces, at most 254 characters), got ${JSON.stringify(options.email)}`, EXIT.usage);
      }
      let secret: string;
      try {
        secret = loadConfig().authJwtSecret;
      } catch (error) {
        throw new CliError(error instanceof ConfigError ? error.message : String(error), EXIT.usage);
      }
      const scopes = String(options.scopes).split(',').map((s) => s.trim()).filter(Boolean);
      const roles = [...(options.admin ? ['admin'] : []), ...(options.operator ? ['operator'] : [])];
      const claims = { sub: (options.user ?? options.app) as string, tenant: options.tenant as string, roles, scopes, ...(options.app ? { kind: 'app' as const } : {}), ...(options.email !== undefined ? { email: options.email as string } : {}) };
      const token = signToken(claims, secret, Math.round(hours * 3600));
      out.result({ token }, () => token);
    });
}
