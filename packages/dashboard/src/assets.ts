// The pages' static files (`ui-dist/`, built by `pnpm --filter @obs/dashboard build:ui`), read
// once into memory. Only the names found in that directory are ever served: a request names a
// file, never a path, so nothing outside the directory can be reached.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  type: string;
  /** The precompressed `<name>.gz` beside it, when there is one. */
  gzip: { body: Uint8Array<ArrayBuffer>; etag: string } | undefined;
}

export interface Assets {
  dir: string;
  /** index.html's text (the meta tag naming the mount is injected per request path). */
  index: string;
  files: Map<string, Asset>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function etagOf(body: Uint8Array | string): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`;
}

/**
 * This module's directory, in both builds (`import.meta` is not available to the CJS build and
 * jest): the file of the first stack frame, a path under CommonJS and a file URL under ESM. A
 * global `__dirname` cannot be trusted in ESM (`node -e` defines one as `.`), so it is only the
 * fallback. From `src/` (the `@obs/source` condition) and from `dist/` alike the directory is one
 * level below the package root.
 */
function moduleDir(): string {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- saved to be put back as it was
  const original = Error.prepareStackTrace;
  let file = '';
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[] | undefined;
    file = frames?.[0]?.getFileName() ?? '';
  } catch {
    // fall back below
  } finally {
    Error.prepareStackTrace = original;
  }
  if (file.startsWith('file:')) return dirname(fileURLToPath(file));
  if (isAbsolute(file)) return dirname(file);
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/** `<package>/ui-dist`. */
export function defaultAssetsDir(): string {
  return resolve(moduleDir(), '..', 'ui-dist');
}

/** Reads the built pages, or undefined when they are not built (no index.html). */
export function loadAssets(dir: string): Assets | undefined {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return undefined;
  const files = new Map<string, Asset>();
  const names = readdirSync(dir);
  for (const name of names) {
    if (name.endsWith('.gz') || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const ext = /\.[^.]+$/.exec(name)?.[0] ?? '';
    const body = new Uint8Array(readFileSync(path));
    let gzip: Asset['gzip'];
    if (names.includes(`${name}.gz`)) {
      const gz = new Uint8Array(readFileSync(`${path}.gz`));
      gzip = { body: gz, etag: etagOf(gz) };
    }
    files.set(name, {
      body,
      etag: etagOf(body),
      type: TYPES[ext] ?? 'application/octet-stream',
      gzip,
    });
  }
  return { dir, index: readFileSync(indexPath, 'utf8'), files };
}

/** Whether an Accept-Encoding header accepts gzip (`gzip;q=0` refuses it, `*` stands for it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2)) || 0;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = q;
    else if (coding === '*') any = q;
  }
  return (gzip ?? any ?? 0) > 0;
}

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** index.html with `<meta name="obs-base" content="{mount}">` as the first child of `<head>`. */
export function injectBase(html: string, mount: string): string {
  const meta = `<meta name="obs-base" content="${escapeAttribute(mount)}">`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (!head) return meta + html;
  const at = head.index + head[0].length;
  return html.slice(0, at) + meta + html.slice(at);
}
