'use strict';
// Builds when dist/ is missing or any TypeScript source is newer than the last build. Every npm
// script that runs a built process goes through it, so a fresh clone works with any of them.
// A deployed image carries dist/ without sources: then there is nothing to build.
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');
const root = path.resolve(__dirname, '..');
const marker = path.join(root, 'dist', '.tsbuildinfo');
const lock = path.join(root, 'dist', '.build.lock');
const SOURCE_DIRS = ['apps', 'libs', 'bench'].map((d) => path.join(root, d));

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function stale() {
  const built = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
  const present = SOURCE_DIRS.filter((d) => fs.existsSync(d));
  if (!present.length) {
    if (built) return false;
    throw new Error('porter: neither TypeScript sources nor a build (dist/) found');
  }
  return !built || Math.max(...present.map(newestMtime)) > built;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function lockHolderAlive() {
  try {
    const holder = Number(fs.readFileSync(lock, 'utf8')) || 0;
    // An empty lock was just created (its pid is being written), unless it is old.
    if (holder === 0) return Date.now() - fs.statSync(lock).mtimeMs < 5000;
    process.kill(holder, 0);
    return true;
  } catch (error) {
    if (error.code === 'ENOENT' || error.code === 'ESRCH') return false;
    if (error.code === 'EPERM') return true; // alive, owned by another user
    throw error;
  }
}

/**
 * `npm run start:api` and `start:worker` may start together on a fresh clone: one builds while
 * the other waits (two compilers writing the same files would let a process load a torn one).
 */
function withBuildLock(work) {
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (lockHolderAlive()) sleep(200);
      else fs.rmSync(lock, { force: true }); // left by a build that died
    }
  }
  try {
    work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

if (stale()) {
  withBuildLock(() => {
    if (!stale()) return; // built meanwhile by the process we waited for
    process.stderr.write('porter: building (tsc -p tsconfig.build.json)...\n');
    execSync('npx tsc -p tsconfig.build.json', { cwd: root, stdio: 'inherit' });
    fs.utimesSync(marker, new Date(), new Date());
  });
}

// The console's static files are built by Vite, separately (only when they are older than apps/console).
execSync(`"${process.execPath}" ${JSON.stringify(path.join(__dirname, 'build-console.js'))}`, { cwd: root, stdio: 'inherit' });
