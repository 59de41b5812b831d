const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  // @sentry/node (through @obs/errors) keeps its state on a global carrier keyed by version;
  // jest 30's guard against globals leaking between test files recurses on it.
  testEnvironmentOptions: { ...preset.testEnvironmentOptions, globalsCleanup: 'off' },
};
