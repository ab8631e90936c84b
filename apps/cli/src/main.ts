import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './errors';
import { Output } from './terminal';
import { exportCommand } from './commands/export';
import { importCommand } from './commands/import';
import { jobsCommand } from './commands/jobs';
import { loginCommand, logoutCommand, tokenCommand } from './commands/login';
import { schedulesCommand } from './commands/schedules';

/**
 * `porter`: the command line client of Porter's public REST API (docs/cli.md). Configured by
 * --url/--token, PORTER_URL/PORTER_TOKEN, or `porter login`.
 */
export function program(): Command {
  const root = new Command('porter')
    .description('Porter from the command line: exports, imports, jobs and export schedules over the REST API')
    .option('--url <url>', 'API base URL (default: PORTER_URL, then `porter login`, then http://127.0.0.1:3000)')
    .option('--token <token>', 'bearer token (default: PORTER_TOKEN, then `porter login`)')
    .option('--json', 'print one JSON document on stdout (for scripts; no progress bars)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done; 1 the job failed, was cancelled or had failed rows; 2 usage error (or the API refused the request as invalid);\n' +
        '3 API unreachable or credentials refused; 4 the API said to retry later (429: the message says when); 130 interrupted.',
    );
  for (const command of [exportCommand(), importCommand(), jobsCommand(), schedulesCommand(), loginCommand(), logoutCommand(), tokenCommand()]) root.addCommand(command);
  // Every command, nested ones included, reports usage errors through the same path (exit 2).
  const override = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(root);
  return root;
}

export async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    // Help or the version asked for: exit 0. Anything else commander stops on is a usage error,
    // a command group given no subcommand (`porter jobs`: help on stderr) included.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const out = new Output(json);
    if (error instanceof CliError) {
      out.error(error.message, error.problem);
      return error.exitCode;
    }
    out.error(`unexpected error: ${(error as Error).stack ?? String(error)}`);
    return EXIT.failed;
  }
}

/** Runs the command line and exits with its code (after stdout is flushed: a piped --json document arrives whole). */
export function main(argv = process.argv): void {
  void run(argv).then((code) => process.stdout.write('', () => process.exit(code)));
}
