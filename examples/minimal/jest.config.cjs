/* global process */
const preset = require('../../jest.preset.cjs');

// The example logs JSON lines to stdout, as a service should; its tests keep only errors.
process.env.LOG_LEVEL ??= 'error';

module.exports = {
  ...preset,
  // @sentry/node (through @obs/kit) keeps its state on a global carrier keyed by version;
  // jest 30's guard against globals leaking between test files recurses on it.
  testEnvironmentOptions: { ...preset.testEnvironmentOptions, globalsCleanup: 'off' },
};
