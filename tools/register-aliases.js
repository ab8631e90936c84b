'use strict';
// Runtime twin of tsconfig "paths": `@porter/<lib>` resolves to the compiled lib's index.js
// (and nothing deeper), so built processes need no bundler. Loaded with `node -r`.
const Module = require('module');
const path = require('path');
const distRoot = path.resolve(__dirname, '..', 'dist');
const original = Module._resolveFilename;
Module._resolveFilename = function resolvePorterAlias(request, parent, isMain, options) {
  // The one deeper door: tracing must start before anything loads http, pg or ioredis (ADR 049).
  if (request === '@porter/platform/tracing') {
    return original.call(this, path.join(distRoot, 'libs', 'platform', 'src', 'tracing', 'start.js'), parent, isMain, options);
  }
  const match = /^@porter\/([a-z-]+)$/.exec(request);
  if (match) {
    return original.call(this, path.join(distRoot, 'libs', match[1], 'src', 'index.js'), parent, isMain, options);
  }
  return original.call(this, request, parent, isMain, options);
};
