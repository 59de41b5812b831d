import { describe, expect, it } from '@jest/globals';
import { generateRequestId, isValidRequestId, resolveRequestId } from './request-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it.each(['a', 'abc-123', 'A.b_c:d-9', 'x'.repeat(128), '0af7651916cd43dd8448eb211c80319c'])(
    'accepts the well-formed id %s',
    (id) => {
      expect(isValidRequestId(id)).toBe(true);
      expect(resolveRequestId(id)).toBe(id);
    },
  );

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(129)],
    ['with a space', 'abc def'],
    ['with a newline', 'abc\n{"level":"error"}'],
    ['with a carriage return', 'abc\r\nX-Evil: 1'],
    ['with a double quote', 'abc"def'],
    ['with a single quote', "abc'def"],
    ['with a slash', '../etc'],
    ['with non-ASCII', 'abc\u00e9'],
  ])('replaces an id %s with a new UUID', (_label, id) => {
    expect(isValidRequestId(id)).toBe(false);
    const resolved = resolveRequestId(id);
    expect(resolved).not.toBe(id);
    expect(resolved).toMatch(UUID_V4);
  });

  it('generates a new UUID when there is no inbound id', () => {
    expect(resolveRequestId(undefined)).toMatch(UUID_V4);
    expect(resolveRequestId(null)).toMatch(UUID_V4);
    expect(isValidRequestId(42)).toBe(false);
  });

  it('generates distinct UUID v4 ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateRequestId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });
});
