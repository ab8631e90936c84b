'use strict';
// How a built Porter process is started, in one place: npm scripts' twins, `npm start`, the e2e
// harness and the benchmarks all use it, so what is measured and tested is what operators run.
const path = require('path');
const ROOT = path.resolve(__dirname, '..');

// Workers stream large files: their working set is small and constant, but V8's default heap
// lets garbage accumulate far past it before collecting. A fixed old-space cap keeps the RSS
// bounded and predictable, and 8 MB semi-spaces halve the young generation: exports write from
// COPY bytes and keep no rows alive across a scavenge, so the smaller nursery costs them no CPU
// (docs/adr/006-worker-heap.md, docs/adr/076-xlsx-from-copy-text-and-a-smaller-nursery.md).
// Under that cap V8 let the old generation grow only ~1.5x its live size after a full GC, which
// left less room than the nursery holds: incremental marking started again right after each
// collection, ~40 mark-compacts and a marking write barrier through most of a 1M-row JSON Lines
// export. A fixed growing factor of 1.75 took that export's CPU from 3.9 to 2.2-2.5 s at the
// same peak RSS (docs/adr/078-worker-heap-growing-factor.md).
const NODE_ARGS = {
  api: process.env.PORTER_API_NODE_ARGS ? process.env.PORTER_API_NODE_ARGS.split(' ') : [],
  worker: [
    '--max-old-space-size=192',
    '--max-semi-space-size=8',
    '--heap-growing-percent=75',
    ...(process.env.PORTER_WORKER_NODE_ARGS ? process.env.PORTER_WORKER_NODE_ARGS.split(' ') : []),
  ],
  migrate: [],
};

// glibc gives each thread that allocates its own malloc arena (up to 8 per core), and a worker's
// threads (libuv's pool, V8's GC helpers) each keep freed memory in theirs. Two arenas took about
// 12 MB off a worker's peak RSS in a 1M-row S3 export at the same CPU (ADR 006). An operator's own
// MALLOC_ARENA_MAX wins.
const ENV = {
  api: {},
  worker: { MALLOC_ARENA_MAX: '2' },
  migrate: {},
};

/** The environment to start `kind` with: `env` (the caller's, usually process.env) plus Porter's defaults. */
function porterEnv(kind, env) {
  if (!(kind in ENV)) throw new Error(`unknown Porter process kind "${kind}"`);
  const defaults = {};
  for (const [name, value] of Object.entries(ENV[kind])) if (env[name] === undefined) defaults[name] = value;
  return { ...env, ...defaults };
}

/** The argv (after process.execPath) that runs `kind` from dist/. */
function porterArgs(kind) {
  if (!(kind in NODE_ARGS)) throw new Error(`unknown Porter process kind "${kind}"`);
  const entry = kind === 'migrate' ? 'api/src/migrate.js' : `${kind}/src/main.js`;
  return [...NODE_ARGS[kind], '-r', path.join(__dirname, 'register-aliases.js'), path.join(ROOT, 'dist', 'apps', entry)];
}

module.exports = { porterArgs, porterEnv, ROOT };
