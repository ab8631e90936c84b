import { accessSync, constants, statSync, Stats } from 'fs';
import * as path from 'path';
import { CliError, EXIT } from './errors';

/** Where a download goes: a file, or a directory that receives the server's file name. */
export interface OutputTarget {
  target: string;
  isDirectory: boolean;
}

const usage = (message: string) => new CliError(message, EXIT.usage);

function statOf(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function writableDirectory(dir: string, prefix: string): void {
  const stats = statOf(dir);
  if (!stats) throw usage(`${prefix}: the directory ${dir} does not exist`);
  if (!stats.isDirectory()) throw usage(`${prefix}: ${dir} is not a directory`);
  if (!writable(dir)) throw usage(`${prefix}: the directory ${dir} is not writable`);
}

/**
 * Checks `-o/--output` before anything is requested, so a bad destination is a usage error
 * (exit 2) rather than a failure after the whole export ran. No output: the current directory.
 * An existing directory receives the file under its server name; a path ending in `/` must be
 * an existing directory; any other path is a file whose directory exists and is writable (the
 * download is written beside it, then renamed over it). Relative paths are checked against
 * `cwd` and returned as given.
 */
export function checkOutputTarget(output: string | undefined, cwd = process.cwd()): OutputTarget {
  if (output === undefined) {
    writableDirectory(cwd, 'cannot save the file in the current directory (give -o FILE)');
    return { target: cwd, isDirectory: true };
  }
  const prefix = `-o ${output}`;
  if (output.trim() === '') throw usage('-o: give a file or a directory');
  const resolved = path.resolve(cwd, output);
  const stats = statOf(resolved);
  if (stats?.isDirectory()) {
    writableDirectory(resolved, prefix);
    return { target: output, isDirectory: true };
  }
  if (/[\\/]$/.test(output)) throw usage(`${prefix}: ${stats ? 'not a directory' : 'no such directory'} (a path ending in "/" names an existing directory)`);
  if (stats && !stats.isFile()) throw usage(`${prefix}: not a regular file or a directory`);
  writableDirectory(path.dirname(resolved), prefix);
  return { target: output, isDirectory: false };
}
