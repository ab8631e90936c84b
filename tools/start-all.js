'use strict';
// `npm start`: the API and one worker together, for local use. SIGINT/SIGTERM reach both, and
// this process waits for both to finish their graceful shutdown.
const { spawn } = require('child_process');
const { porterArgs } = require('./porter-process');

const children = ['api', 'worker'].map((name) => {
  const child = spawn(process.execPath, porterArgs(name), { stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`porter: ${name} exited (${signal ?? code}); stopping\n`);
    stopAll(stopping ? 0 : code ?? 1);
  });
  return child;
});
const port = process.env.PORT || 3000;
process.stdout.write(`porter: starting API on http://127.0.0.1:${port} (docs http://127.0.0.1:${port}/api/docs) and a worker\n`);

let stopping = false;
function stopAll(code) {
  if (stopping && code !== 0) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 60_000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
