// Shared jest settings for every package. Sibling packages resolve to their TypeScript sources
// through the `@obs/source` export condition, so tests need no build.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: {
    customExportConditions: ['@obs/source', 'node', 'node-addons'],
  },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'cjs', 'mjs', 'json'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          target: 'es2022',
          transform: { decoratorVersion: '2022-03' },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  clearMocks: true,
  restoreMocks: true,
  // Jest's 5 s default is a speed bound on every test: a busy 2-core machine can take that long
  // to start a server or a child process. A limit only guards against a hang; no test depends on it.
  testTimeout: 60_000,
};
