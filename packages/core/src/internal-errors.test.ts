import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  createStderrHandler,
  reportInternalError,
  setInternalErrorHandler,
} from './internal-errors';

afterEach(() => setInternalErrorHandler(undefined));

describe('reportInternalError', () => {
  it('hands the error and its origin to the installed handler', () => {
    const handler = jest.fn();
    setInternalErrorHandler(handler);
    const err = new Error('exporter down');
    reportInternalError(err, '@obs/tracing: otlp');
    expect(handler).toHaveBeenCalledWith(err, '@obs/tracing: otlp');
  });

  it('never throws, even when the handler does', () => {
    setInternalErrorHandler(() => {
      throw new Error('handler broke');
    });
    expect(() => reportInternalError(new Error('x'), 'test')).not.toThrow();
  });

  it('writes to stderr by default', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    reportInternalError(new Error('default handler check'), 'test');
    expect(write).toHaveBeenCalledWith('[@obs] test: Error: default handler check\n');
  });
});

describe('the default stderr handler', () => {
  it('writes one line per distinct cause per minute and counts what it held back', () => {
    const lines: string[] = [];
    let now = 0;
    const handler = createStderrHandler(
      (l) => lines.push(l),
      () => now,
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), {
      code: 'ECONNREFUSED',
    });
    for (let i = 0; i < 50; i++) handler(refused, '@obs/tracing: otlp');
    handler(new Error('queue full'), '@obs/logging: loki');
    now = 59_999;
    handler(refused, '@obs/tracing: otlp');
    expect(lines).toEqual([
      '[@obs] @obs/tracing: otlp: Error [ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:4318\n',
      '[@obs] @obs/logging: loki: Error: queue full\n',
    ]);
    now = 60_000;
    handler(refused, '@obs/tracing: otlp');
    expect(lines[2]).toBe(
      '[@obs] @obs/tracing: otlp: Error [ECONNREFUSED]: connect ECONNREFUSED 127.0.0.1:4318 (repeated 50 more time(s))\n',
    );
  });

  it('keeps each report on one line and copes with non-Error values', () => {
    const lines: string[] = [];
    const handler = createStderrHandler(
      (l) => lines.push(l),
      () => 0,
    );
    handler(new Error('line one\nline two'), 'x');
    handler('plain string', 'y');
    handler(Object.create(null), 'z');
    expect(lines).toEqual([
      '[@obs] x: Error: line one line two\n',
      '[@obs] y: plain string\n',
      '[@obs] z: unprintable error\n',
    ]);
  });
});
