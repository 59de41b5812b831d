import { describe, expect, it } from '@jest/globals';
import { toError } from './index';

describe('toError()', () => {
  it('returns an Error as it is', () => {
    const error = new TypeError('bad');
    expect(toError(error)).toBe(error);
  });

  it.each([
    ['boom', 'Non-Error thrown: "boom"'],
    [undefined, 'Non-Error thrown: undefined'],
    [null, 'Non-Error thrown: null'],
    [42, 'Non-Error thrown: 42'],
    [10n, 'Non-Error thrown: 10'],
    [Symbol('s'), 'Non-Error thrown: Symbol(s)'],
    [{ password: 'hunter2' }, 'Non-Error thrown: an object'],
    [['hunter2'], 'Non-Error thrown: an object'],
    [() => 'hunter2', 'Non-Error thrown: a function'],
  ])('stands for %p with an Error named NonError, the value as its cause', (value, message) => {
    const error = toError(value);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'NonError', message });
    expect(error.cause).toBe(value);
  });

  it('describes values that throw when read or printed, without reading them', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const hostile = {
      toString() {
        throw new Error('no');
      },
      get [Symbol.toStringTag]() {
        throw new Error('no');
      },
    };
    expect(toError(proxy).message).toBe('Non-Error thrown: an object');
    expect(toError(hostile).message).toBe('Non-Error thrown: an object');
    expect(toError(Object.create(null)).message).toBe('Non-Error thrown: an object');
  });

  it('shows at most 200 characters of a thrown string', () => {
    expect(toError('x'.repeat(10_000)).message).toBe(`Non-Error thrown: "${'x'.repeat(200)}…"`);
  });
});
