'use strict';
// How a built Porter process is started, in one place: npm scripts' twins, `npm start`, the e2e
// harness and the benchmarks all use it, so what is measured and tested is what operators run.
const path = require('path');
const ROOT = path.resolve(__dirname, '..');

// Workers stream large files: their working set is small and constant, but V8's default heap
// lets garbage accumulate far past it before collecting. A fixed old-space cap keeps the RSS
// bounded and predictable (see docs/adr/006-worker-heap.md).
const NODE_ARGS = {
  api: process.env.PORTER_API_NODE_ARGS ? process.env.PORTER_API_NODE_ARGS.split(' ') : [],
  worker: ['--max-old-space-size=192', ...(process.env.PORTER_WORKER_NODE_ARGS ? process.env.PORTER_WORKER_NODE_ARGS.split(' ') : [])],
  migrate: [],
};

/** The argv (after process.execPath) that runs `kind` from dist/. */
function porterArgs(kind) {
  if (!(kind in NODE_ARGS)) throw new Error(`unknown Porter process kind "${kind}"`);
  const entry = kind === 'migrate' ? 'api/src/migrate.js' : `${kind}/src/main.js`;
  return [...NODE_ARGS[kind], '-r', path.join(__dirname, 'register-aliases.js'), path.join(ROOT, 'dist', 'apps', entry)];
}

module.exports = { porterArgs, ROOT };
