import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { waitFor } from '../../support/wait-for';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const PORTER_BIN = path.join(ROOT, 'tools', 'porter-cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Everything of the test process' env except what would configure the CLI behind the test's back. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.PORTER_URL;
  delete base.PORTER_TOKEN;
  return { ...base, ...env };
}

/** `porter ARGS` as a child process with pipes (not a terminal: no bars). */
export function runCli(args: string[], env: Record<string, string>, options: { cwd?: string; input?: string } = {}): Promise<CliRun> {
  return startCli(args, env, options).done;
}

/**
 * The same, started: `done` settles when it exits; `child` is there to signal it (a Ctrl-C with
 * no terminal is SIGINT sent to the process); `stderr()` is what it wrote so far.
 */
export function startCli(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; input?: string; command?: string[] } = {},
): { child: ChildProcess; done: Promise<CliRun>; stderr: () => string } {
  const [file, ...rest] = options.command ?? [process.execPath, PORTER_BIN];
  const child = spawn(file, [...rest, ...args], { cwd: options.cwd ?? ROOT, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  child.stdin!.end(options.input ?? '');
  return { child, done, stderr: () => stderr };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface PtyRun {
  output: () => string;
  write: (text: string) => void;
  waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  exited: Promise<number | null>;
}

/**
 * `porter ARGS` on a pseudo terminal, through util-linux `script` (stdout and stdin are a TTY for
 * the CLI: bars are drawn, Ctrl-C written to the terminal becomes SIGINT). `-e` returns the
 * command's exit code.
 */
export function runCliInPty(args: string[], env: Record<string, string>, cwd = ROOT): PtyRun {
  // `script` runs the command through $SHELL -c; `exec` replaces that shell with the CLI, so the
  // terminal's SIGINT reaches the CLI alone (a shell left waiting in between may kill itself with
  // SIGINT after the CLI exits, and `script -e` then reports 130 whatever the CLI returned).
  const command = `exec ${[process.execPath, PORTER_BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd,
    env: cleanEnv({ COLUMNS: '120', LINES: '40', ...env, SHELL: '/bin/sh' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    output: () => output,
    write: (text) => child.stdin.write(text),
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      waitFor(() => pattern.test(output), { timeoutMs, intervalMs: 50, what: `CLI output matching ${pattern}` }).then(() => undefined).catch((error) => {
        throw new Error(`${(error as Error).message}\n--- output ---\n${output}`);
      }),
    exited,
  };
}

export const ANSI = /\u001b\[/;
