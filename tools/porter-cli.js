#!/usr/bin/env node
'use strict';
// The `porter` command (package.json "bin"; `npx porter` in the repository): builds when the
// sources are newer than dist/, then runs the CLI (apps/cli) from dist/.
const path = require('path');
require('./build-if-needed');
require('./register-aliases');
require(path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js')).main();
