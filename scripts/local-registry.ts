// A tiny npm registry for the consumer tests: it serves the tarballs `pnpm pack` made, so npm
// installs our packages exactly as it would from npmjs.com (packument, integrity, tarball),
// without publishing anything. Only our scope is routed here (`@obs:registry=…` in the project's
// .npmrc); every other package comes from the normal registry.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface LocalRegistry {
  /** `http://127.0.0.1:PORT/`, for `@scope:registry=` in an .npmrc. */
  readonly url: string;
  close(): Promise<void>;
}

interface Manifest {
  name: string;
  version: string;
  [field: string]: unknown;
}

interface Published {
  manifest: Manifest;
  tarball: Buffer;
}

/** A NUL-padded field of a tar header. */
function headerField(header: Buffer, start: number, length: number): string {
  const field = header.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

/**
 * The text of one file in a gzipped tarball, or undefined. A plain ustar walk is enough: npm and
 * pnpm tarballs hold short paths under `package/`, so no PAX or GNU long-name records matter here.
 */
export function readFileFromTarball(tgz: Buffer, path: string): string | undefined {
  const tar = gunzipSync(tgz);
  let offset = 0;
  while (offset + 512 <= tar.length && tar[offset] !== 0) {
    const header = tar.subarray(offset, offset + 512);
    const name = headerField(header, 0, 100);
    const prefix = headerField(header, 345, 155);
    const size = parseInt(headerField(header, 124, 12).trim() || '0', 8);
    offset += 512;
    if ((prefix ? `${prefix}/${name}` : name) === path) {
      return tar.subarray(offset, offset + size).toString('utf8');
    }
    offset += Math.ceil(size / 512) * 512;
  }
  return undefined;
}

function readPublished(tarballPath: string): Published {
  const tarball = readFileSync(tarballPath);
  const text = readFileFromTarball(tarball, 'package/package.json');
  if (text === undefined) throw new Error(`${tarballPath}: no package/package.json inside`);
  return { manifest: JSON.parse(text) as Manifest, tarball };
}

/** The path npm fetches a tarball from, by the registry's usual convention. */
function tarballPath({ name, version }: Manifest): string {
  return `/${name}/-/${name.split('/').pop()!}-${version}.tgz`;
}

/** The document npm reads before installing a package: one version, which is `latest`. */
export function packument(published: Published, registryUrl: string): object {
  const { manifest, tarball } = published;
  return {
    name: manifest.name,
    'dist-tags': { latest: manifest.version },
    versions: {
      [manifest.version]: {
        ...manifest,
        _id: `${manifest.name}@${manifest.version}`,
        dist: {
          tarball: new URL(tarballPath(manifest).slice(1), registryUrl).href,
          integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          shasum: createHash('sha1').update(tarball).digest('hex'),
        },
      },
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  // no-store: a rebuilt tarball keeps its version, so npm must never answer from its HTTP cache.
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * The decoded path of a request, or undefined when it cannot be one (`/%E0%A4%A`): a throw here
 * would escape the request handler and take the whole test run down with it.
 */
function requestPath(target: string | undefined, base: string): string | undefined {
  try {
    return decodeURIComponent(new URL(target ?? '/', base).pathname);
  } catch {
    return undefined;
  }
}

/** Serves the given tarballs on 127.0.0.1 (a free port) until `close()`. */
export async function startLocalRegistry(tarballPaths: readonly string[]): Promise<LocalRegistry> {
  const byName = new Map<string, Published>();
  const byTarballPath = new Map<string, Published>();
  for (const path of tarballPaths) {
    const published = readPublished(path);
    byName.set(published.manifest.name, published);
    byTarballPath.set(tarballPath(published.manifest), published);
  }

  let url = '';
  const server = createServer((req, res) => {
    // npm asks for `/@obs%2fcore`; decoding also accepts the plain `/@obs/core`.
    const path = requestPath(req.url, url);
    if (path === undefined) {
      send(res, 400, 'application/json', '{"error":"malformed path"}');
      return;
    }
    const asTarball = byTarballPath.get(path);
    const asPackage = byName.get(path.slice(1));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'application/json', '{"error":"read-only registry"}');
    } else if (asTarball) {
      send(res, 200, 'application/octet-stream', asTarball.tarball);
    } else if (asPackage) {
      send(res, 200, 'application/json', JSON.stringify(packument(asPackage, url)));
    } else {
      send(res, 404, 'application/json', '{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
