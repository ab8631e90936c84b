'use strict';
// Builds when dist/ is missing or any TypeScript source is newer than the last build.
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');
const root = path.resolve(__dirname, '..');
const marker = path.join(root, 'dist', '.tsbuildinfo');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

const built = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
const sources = Math.max(...['apps', 'libs', 'bench'].map((d) => newestMtime(path.join(root, d))));
if (!built || sources > built) {
  process.stderr.write('porter: building (tsc -p tsconfig.build.json)...\n');
  execSync('npx tsc -p tsconfig.build.json', { cwd: root, stdio: 'inherit' });
  fs.utimesSync(marker, new Date(), new Date());
}
