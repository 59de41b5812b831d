import { describe, expect, it } from '@jest/globals';
import { httpMethodLabel } from './http-method';

describe('httpMethodLabel', () => {
  it('keeps the standard methods and reports anything else as _OTHER', () => {
    expect(['GET', 'PATCH', 'OPTIONS'].map(httpMethodLabel)).toEqual(['GET', 'PATCH', 'OPTIONS']);
    expect(['PURGE', 'get', 'X'.repeat(1000)].map(httpMethodLabel)).toEqual([
      '_OTHER',
      '_OTHER',
      '_OTHER',
    ]);
  });
});
