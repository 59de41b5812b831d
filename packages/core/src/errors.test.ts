import { describe, expect, it } from '@jest/globals';
import { configErrorFromIssues, isObsError, ObsConfigError, ObsError } from './errors';

describe('ObsError', () => {
  it('carries a code, a message and a cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new ObsError('EXPORT_FAILED', 'OTLP export failed', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ObsError');
    expect(err.code).toBe('EXPORT_FAILED');
    expect(err.message).toBe('OTLP export failed');
    expect(err.cause).toBe(cause);
  });

  it('is recognised by brand, optionally by code', () => {
    const err = new ObsError('TIMEOUT', 'slow');
    expect(isObsError(err)).toBe(true);
    expect(isObsError(err, 'TIMEOUT')).toBe(true);
    expect(isObsError(err, 'QUEUE_FULL')).toBe(false);
  });

  it('is recognised when it comes from another copy of the package', () => {
    // Another copy defines its own class but brands with the same registered symbol.
    const foreign = Object.assign(new Error('from elsewhere'), { code: 'SHUTDOWN' });
    Object.defineProperty(foreign, Symbol.for('@obs/core.ObsError'), { value: true });
    expect(foreign instanceof ObsError).toBe(false);
    expect(isObsError(foreign, 'SHUTDOWN')).toBe(true);
  });

  it('does not mistake look-alikes for ObsErrors', () => {
    expect(isObsError(Object.assign(new Error('x'), { name: 'ObsError', code: 'INTERNAL' }))).toBe(
      false,
    );
    expect(isObsError(null)).toBe(false);
    expect(isObsError('ObsError')).toBe(false);
  });
});

describe('ObsConfigError', () => {
  it('names the option in its message and field', () => {
    const err = new ObsConfigError('level', 'expected one of trace, debug, info');
    expect(err.message).toBe('Invalid option "level": expected one of trace, debug, info');
    expect(err.option).toBe('level');
    expect(err.name).toBe('ObsConfigError');
    expect(isObsError(err, 'CONFIG_INVALID')).toBe(true);
  });

  it('is built from schema issues with a dotted option path', () => {
    const err = configErrorFromIssues([
      { path: ['batch', 'maxSize'], message: 'Expected number, received string' },
      { path: ['level'], message: 'Invalid enum value' },
    ]);
    expect(err.option).toBe('batch.maxSize');
    expect(err.message).toBe(
      'Invalid option "batch.maxSize": Expected number, received string (and 1 more problem(s))',
    );
    expect(configErrorFromIssues([{ path: [0], message: 'bad' }], 'redact.paths').option).toBe(
      'redact.paths.0',
    );
    expect(configErrorFromIssues([{ path: [], message: 'Expected object' }]).option).toBe(
      '(options)',
    );
  });
});
