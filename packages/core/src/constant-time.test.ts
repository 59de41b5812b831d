import { describe, expect, it } from '@jest/globals';
import { constantTimeEqual } from './constant-time';

describe('constantTimeEqual', () => {
  it('is true only for the same string', () => {
    expect(constantTimeEqual('Bearer abc', 'Bearer abc')).toBe(true);
    expect(constantTimeEqual('Bearer abd', 'Bearer abc')).toBe(false);
    expect(constantTimeEqual('Bearer ab', 'Bearer abc')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
  });
});
