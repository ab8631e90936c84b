'use strict';
// `node tools/run.js <api|worker|migrate>`: replaces itself with... Node cannot exec(), so it
// runs the process as a child with inherited stdio and forwards signals and the exit status.
const { spawn } = require('child_process');
const { porterArgs, porterEnv } = require('./porter-process');

const child = spawn(process.execPath, porterArgs(process.argv[2]), { stdio: 'inherit', env: porterEnv(process.argv[2], process.env) });
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (require('os').constants.signals[signal] ?? 1) : 1)));
