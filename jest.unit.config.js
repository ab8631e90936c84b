'use strict';
const base = require('./jest.base.config');
module.exports = { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'] };
