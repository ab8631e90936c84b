'use strict';
// Builds the web console (apps/console → dist/console) with Vite when it is missing or older than
// its sources. Runs at `npm install` (postinstall), in `npm run build` and before `npm start`.
// Without sources (a deployed image) or without Vite (dev dependencies pruned) there is nothing
// to build: dist/console, if shipped, is served as is.
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const source = path.join(root, 'apps', 'console');
const built = path.join(root, 'dist', 'console', 'index.html');

function newestMtime(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(target).map((name) => newestMtime(path.join(target, name))));
}

function stale() {
  if (!fs.existsSync(built)) return true;
  const sources = [source, path.join(root, 'package-lock.json')].filter((p) => fs.existsSync(p));
  return Math.max(...sources.map(newestMtime)) > fs.statSync(built).mtimeMs;
}

async function main() {
  const force = process.argv.includes('--force');
  if (!fs.existsSync(source)) return;
  if (!force && !stale()) return;
  let vite;
  try {
    vite = await import('vite');
  } catch {
    if (fs.existsSync(built)) return;
    throw new Error('the console is not built and Vite is not installed (run `npm install` with dev dependencies)');
  }
  process.stderr.write('porter: building the console (vite → dist/console)...\n');
  await vite.build({ configFile: path.join(source, 'vite.config.mjs'), logLevel: 'warn' });
}

main().catch((error) => {
  process.stderr.write(`porter: console build failed: ${error.message}\n`);
  process.exit(1);
});
