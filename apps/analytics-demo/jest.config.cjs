const preset = require('../../jest.preset.cjs');

const [pattern, [swc, options]] = Object.entries(preset.transform)[0];

module.exports = {
  ...preset,
  // @sentry/node keeps its state on a global carrier keyed by version; jest 30's guard against
  // globals leaking between test files recurses on it.
  testEnvironmentOptions: { ...preset.testEnvironmentOptions, globalsCleanup: 'off' },
  // `await import()` stays an import (for ESM-only test tools), run by --experimental-vm-modules.
  transform: {
    [pattern]: [swc, { ...options, module: { ...options.module, ignoreDynamic: true } }],
  },
};
