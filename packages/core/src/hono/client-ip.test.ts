import { describe, expect, it } from '@jest/globals';
import { clientIpResolver } from './client-ip';

describe('clientIpResolver', () => {
  const xff = '203.0.113.7, 198.51.100.2, 10.0.0.9';

  it('uses the socket address when no proxy is trusted', () => {
    expect(clientIpResolver(false)('10.0.0.1', xff)).toBe('10.0.0.1');
  });

  it('unwraps IPv4-mapped IPv6 socket addresses', () => {
    expect(clientIpResolver(false)('::ffff:127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('takes the left-most forwarded address when every proxy is trusted', () => {
    expect(clientIpResolver(true)('10.0.0.1', xff)).toBe('203.0.113.7');
  });

  it('walks back as many hops as it is told to trust', () => {
    expect(clientIpResolver(0)('10.0.0.1', xff)).toBe('10.0.0.1');
    expect(clientIpResolver(1)('10.0.0.1', xff)).toBe('10.0.0.9');
    expect(clientIpResolver(2)('10.0.0.1', xff)).toBe('198.51.100.2');
    expect(clientIpResolver(10)('10.0.0.1', xff)).toBe('203.0.113.7');
  });

  it('trusts listed addresses and CIDR ranges only', () => {
    const resolve = clientIpResolver(['10.0.0.0/8', '198.51.100.2']);
    expect(resolve('10.0.0.1', xff)).toBe('203.0.113.7');
    expect(resolve('10.0.0.1', '203.0.113.7, 192.0.2.1, 10.0.0.9')).toBe('192.0.2.1');
    expect(resolve('192.0.2.50', xff)).toBe('192.0.2.50');
  });

  it('handles IPv6 proxies and ranges', () => {
    const resolve = clientIpResolver(['::1', 'fd00::/8']);
    expect(resolve('::1', '2001:db8::5, fd00::7')).toBe('2001:db8::5');
  });

  it('stops at a forged, malformed entry and keeps the last verified address', () => {
    expect(clientIpResolver(true)('10.0.0.1', 'not-an-ip, 10.0.0.9')).toBe('10.0.0.9');
    expect(clientIpResolver(true)('10.0.0.1', '"><script>')).toBe('10.0.0.1');
  });

  it('accepts forwarded entries with ports and brackets', () => {
    expect(clientIpResolver(true)('10.0.0.1', '203.0.113.7:5123')).toBe('203.0.113.7');
    expect(clientIpResolver(true)('10.0.0.1', '[2001:db8::1]:443')).toBe('2001:db8::1');
  });

  it('returns undefined when the socket address is unknown', () => {
    expect(clientIpResolver(true)(undefined, xff)).toBeUndefined();
  });

  it.each([
    [-1, 'trustProxy'],
    [1.5, 'trustProxy'],
    ['yes', 'trustProxy'],
    [['10.0.0.0/33'], 'trustProxy[0]'],
    [['10.0.0.1', 'nope'], 'trustProxy[1]'],
    [['10.0.0.0/8/1'], 'trustProxy[0]'],
  ])('rejects %j with ObsConfigError naming %s', (trust, option) => {
    expect(() => clientIpResolver(trust as never)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', option }),
    );
  });
});
