import { Command } from 'commander';
import { ApiClient } from '../client';
import { resolveConnection } from '../config';
import { Output } from '../terminal';

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export interface Context {
  client: ApiClient;
  out: Output;
  url: string;
}

/** The client and output of a command, from the global options (flags, env, `porter login`). */
export function contextOf(command: Command): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  const { url, token } = resolveConnection(options);
  return { client: new ApiClient(url, token), out: new Output(options.json === true), url };
}
