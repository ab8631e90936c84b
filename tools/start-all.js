'use strict';
// `npm start`: the API and one worker together, for local use. SIGINT/SIGTERM reach both.
const { spawn } = require('child_process');
const path = require('path');
const root = path.resolve(__dirname, '..');
const register = path.join(__dirname, 'register-aliases.js');
const children = [
  ['api', 'dist/apps/api/src/main.js'],
  ['worker', 'dist/apps/worker/src/main.js'],
].map(([name, entry]) => {
  const child = spawn(process.execPath, ['-r', register, path.join(root, entry)], { stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    process.stderr.write(`porter: ${name} exited (${signal ?? code})\n`);
    stopAll(code ?? 1);
  });
  return child;
});
const port = process.env.PORT || 3000;
process.stdout.write(`porter: starting API on http://127.0.0.1:${port} (docs http://127.0.0.1:${port}/api/docs) and a worker\n`);
let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 60_000).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
