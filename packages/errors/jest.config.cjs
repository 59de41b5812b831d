const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  // @sentry/node keeps its state on a global carrier keyed by version; jest 30's guard against
  // globals leaking between test files recurses on it. Each file sets Sentry up itself anyway.
  testEnvironmentOptions: { ...preset.testEnvironmentOptions, globalsCleanup: 'off' },
};
