import { BlockList, isIP, isIPv4 } from 'node:net';
import { ObsConfigError } from '../errors';

/**
 * Which proxies in front of the service may be believed about the client's address:
 * - `false`: none; the client is the socket's peer;
 * - `true`: all; the client is the left-most `X-Forwarded-For` entry;
 * - a number `n`: the `n` proxies nearest the service;
 * - a list of addresses and CIDR ranges (`'10.0.0.0/8'`, `'::1'`): those proxies.
 */
export type TrustProxy = boolean | number | readonly string[];

function normalize(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let ip = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) ip = bracketed[1]!;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(ip);
  if (v4WithPort) ip = v4WithPort[1]!;
  if (ip.toLowerCase().startsWith('::ffff:') && isIPv4(ip.slice(7))) ip = ip.slice(7);
  return isIP(ip) ? ip : undefined;
}

function trustList(entries: readonly unknown[]): BlockList {
  const list = new BlockList();
  entries.forEach((entry, i) => {
    const [address, prefix, ...rest] = typeof entry === 'string' ? entry.split('/') : [];
    const ip = normalize(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const type = ip && isIPv4(ip) ? 'ipv4' : 'ipv6';
    const maxBits = type === 'ipv4' ? 32 : 128;
    if (
      !ip ||
      rest.length > 0 ||
      (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= maxBits))
    ) {
      throw new ObsConfigError(`trustProxy[${i}]`, 'expected an IP address or a CIDR range');
    }
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, bits, type);
  });
  return list;
}

/**
 * Compiles a trust setting into a function from (socket address, `X-Forwarded-For`) to the
 * client's address. Entries that are not IP addresses end the walk: nothing left of them can be
 * trusted, so the last verified address is used.
 */
export function clientIpResolver(
  trust: TrustProxy,
): (socket: string | undefined, forwardedFor: string | undefined) => string | undefined {
  let trusted: (ip: string, hops: number) => boolean;
  if (typeof trust === 'boolean') {
    trusted = () => trust;
  } else if (typeof trust === 'number') {
    if (!Number.isInteger(trust) || trust < 0) {
      throw new ObsConfigError(
        'trustProxy',
        'expected a boolean, a hop count (integer ≥ 0) or a list',
      );
    }
    trusted = (_ip, hops) => hops < trust;
  } else if (Array.isArray(trust)) {
    const list = trustList(trust);
    trusted = (ip) => list.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  } else {
    throw new ObsConfigError(
      'trustProxy',
      'expected a boolean, a hop count (integer ≥ 0) or a list',
    );
  }

  return (socket, forwardedFor) => {
    let client = normalize(socket);
    if (client === undefined || !forwardedFor || trust === false) return client;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1, n = 0; i >= 0 && trusted(client, n); i--, n++) {
      const next = normalize(hops[i]);
      if (next === undefined) break;
      client = next;
    }
    return client;
  };
}
