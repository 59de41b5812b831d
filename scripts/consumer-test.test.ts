import { describe, expect, it } from '@jest/globals';
import { installProblems, stderrProblems } from './consumer-test';

describe('installProblems', () => {
  it('keeps resolution errors and peer, override and conflict warnings', () => {
    const output = [
      'npm warn deprecated inflight@1.0.6: This module is not supported',
      'npm warn ERESOLVE overriding peer dependency',
      'npm warn While resolving: @obs/tracing@1.0.0',
      'npm warn Found: peer @opentelemetry/api@"1.9.0" from the root project',
      'npm warn Conflicting peer dependency: @opentelemetry/api@1.10.0',
      'npm error code ERESOLVE',
      'added 40 packages in 2s',
    ].join('\n');
    expect(installProblems(output)).toEqual([
      'npm warn ERESOLVE overriding peer dependency',
      'npm warn Found: peer @opentelemetry/api@"1.9.0" from the root project',
      'npm warn Conflicting peer dependency: @opentelemetry/api@1.10.0',
      'npm error code ERESOLVE',
    ]);
  });

  it('passes a quiet install', () => {
    expect(installProblems('\nadded 12 packages in 1s\n')).toEqual([]);
  });
});

describe('stderrProblems', () => {
  it("keeps core's internal-error reports and Node's warnings, not the program's own logs", () => {
    const stderr = [
      'request failed Error: database unreachable',
      '    at main.js:31:11',
      '[@obs] @obs/tracing: initTracing: another tracer provider is registered',
      '(node:4242) ExperimentalWarning: SQLite is an experimental feature',
      '(Use `node --trace-warnings ...` to show where the warning was created)',
    ].join('\n');
    expect(stderrProblems(stderr)).toEqual([
      '[@obs] @obs/tracing: initTracing: another tracer provider is registered',
      '(node:4242) ExperimentalWarning: SQLite is an experimental feature',
    ]);
  });
});
