import { describe, expect, it } from '@jest/globals';
import { keyPrefix, quote, stringifyValue } from './serialize';

const limits = { maxStringLength: 100, maxDepth: 3 };

describe('quote', () => {
  it.each([
    'plain',
    '',
    'with "quotes"',
    'back\\slash',
    'new\nline',
    'tab\tand\u0000nul',
    'emoji 🎉',
    'lone \ud800 surrogate',
    'line\u2028separator',
    'x'.repeat(300),
  ])('produces exactly what JSON.stringify does for %j', (text) => {
    expect(quote(text)).toBe(JSON.stringify(text));
  });
});

describe('keyPrefix', () => {
  it('quotes keys that need it', () => {
    expect(keyPrefix('plain_key')).toBe(',"plain_key":');
    expect(keyPrefix('we"ird\nkey')).toBe(`,${JSON.stringify('we"ird\nkey')}:`);
  });
});

describe('stringifyValue', () => {
  it('always yields JSON that parses back', () => {
    const value = {
      a: [1, 'two', null, undefined, { b: true }],
      e: Object.assign(new Error('x'), { code: 42 }),
      m: new Map<unknown, unknown>([[1, 'one']]),
      inf: -Infinity,
    };
    expect(JSON.parse(stringifyValue(value, limits)!)).toMatchObject({
      a: [1, 'two', null, null, { b: true }],
      e: { type: 'Error', message: 'x', code: 42 },
      m: { 1: 'one' },
      inf: '-Infinity',
    });
  });

  it('omits undefined, like JSON', () => {
    expect(stringifyValue(undefined, limits)).toBeUndefined();
    expect(stringifyValue({ a: undefined, b: 1 }, limits)).toBe('{"b":1}');
  });

  it('copes on its own with cycles, self-returning toJSON and huge shared structures', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, cyclic];
    expect(JSON.parse(stringifyValue(cyclic, limits)!)).toEqual({
      a: 1,
      self: '[Circular]',
      list: ['[Circular]', '[Circular]'],
    });
    const selfish = {
      toJSON() {
        return this;
      },
    };
    expect(stringifyValue(selfish, limits)).toBe('"[Circular]"');
    let shared: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 40; i++) shared = { a: shared, b: shared };
    expect(stringifyValue(shared, { maxStringLength: 100, maxDepth: 100 })).toContain(
      '[Truncated: size limit]',
    );
  });

  it('uses toJSON when an object has one', () => {
    expect(stringifyValue({ toJSON: () => ({ v: 1 }) }, limits)).toBe('{"v":1}');
  });
});
