const preset = require('../../jest.preset.cjs');

/** @type {import('jest').Config} */
module.exports = {
  ...preset,
  // ui/pages.test.ts drives the built pages in Chromium.
  testMatch: [...preset.testMatch, '<rootDir>/ui/**/*.test.ts'],
};
