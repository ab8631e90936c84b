'use strict';
// `npm start`: the API and one worker together, for local use. SIGINT/SIGTERM reach both, and
// this process waits for both to finish their graceful shutdown. When either child stops on its
// own, the other is stopped too, and the exit status is the first non-zero one seen: a crashed
// API must not turn into a clean `npm start` exit because the worker then stopped cleanly.
const { spawn } = require('child_process');
const os = require('os');
const { porterArgs, porterEnv } = require('./porter-process');

let stopping = false;
let exitCode = 0;

function record(code) {
  if (exitCode === 0 && code !== 0) exitCode = code;
}

const children = ['api', 'worker'].map((name) => {
  const child = spawn(process.execPath, porterArgs(name), { stdio: 'inherit', env: porterEnv(name, process.env) });
  child.on('exit', (code, signal) => {
    const status = code ?? 128 + (os.constants.signals[signal] ?? 0);
    if (!stopping) process.stderr.write(`porter: ${name} exited (${signal ?? code}); stopping\n`);
    record(status);
    stopAll();
  });
  return child;
});
const port = process.env.PORT || 3000;
process.stdout.write(`porter: starting API on http://127.0.0.1:${port} (docs http://127.0.0.1:${port}/api/docs) and a worker\n`);

const running = (c) => c.exitCode === null && c.signalCode === null;

/** Idempotent: the first call signals the children, every call ends up waiting for the same exits. */
function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (running(c)) c.kill('SIGTERM');
  setTimeout(() => {
    process.stderr.write('porter: children did not stop within 60 s; leaving\n');
    process.exit(exitCode || 1);
  }, 60_000).unref();
  Promise.all(children.map((c) => (running(c) ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(exitCode));
}
process.on('SIGINT', () => stopAll());
process.on('SIGTERM', () => stopAll());
