import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require('module');

/**
 * Jest's moduleNameMapper does not apply to globalSetup, so map `@porter/<lib>` to the lib's
 * source index there (jest's TypeScript transform is active for these requires).
 */
export function registerSourceAliases(): void {
  const mod = Module as unknown as { _resolveFilename: (...args: unknown[]) => string; __porterAliases?: boolean };
  if (mod.__porterAliases) return;
  mod.__porterAliases = true;
  const original = mod._resolveFilename;
  const libs = path.resolve(__dirname, '..', '..', 'libs');
  mod._resolveFilename = function (request: unknown, ...rest: unknown[]) {
    const match = typeof request === 'string' ? /^@porter\/([a-z-]+)$/.exec(request) : null;
    return original.call(this, match ? path.join(libs, match[1], 'src', 'index.ts') : request, ...rest);
  };
}
