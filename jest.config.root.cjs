// Tests for the workspace's own scripts (package checks, benchmark runner).
/** @type {import('jest').Config} */
module.exports = {
  ...require('./jest.preset.cjs'),
  rootDir: __dirname,
  testMatch: ['<rootDir>/scripts/**/*.test.ts'],
};
