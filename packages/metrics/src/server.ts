import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ObsConfigError, reportInternalError } from '@obs/core';
import { createMetricsFetchHandler, type MetricsHandlerOptions } from './handler';
import { rawFactories } from './metrics';
import { nonEmptyString, optionsObject, received } from './options';

export interface MetricsServerOptions extends MetricsHandlerOptions {
  /** @default 9090 (0 picks a free port) */
  port?: number;
  /** Listen on this address only; keep it private. @default '127.0.0.1' */
  host?: string;
  /** @default '/metrics' */
  path?: string;
}

export interface MetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  return new Request(new URL(req.url ?? '/', origin), { method: req.method, headers });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * Serves `/metrics` on a listener of its own (seed 002's `start_http_server(9090)`), so the
 * metrics need not be reachable on the app's public port. Everything else answers 404. With
 * metrics disabled it listens nowhere.
 *
 * @example
 * ```ts
 * const server = await startMetricsServer({ metrics, port: 9464 });
 * process.on('SIGTERM', () => void server.close());
 * ```
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const {
    port = 9090,
    host = '127.0.0.1',
    path = '/metrics',
  } = optionsObject(options, '{ metrics, port?, host?, path?, auth? }');
  // `Number(process.env.METRICS_PORT)` is NaN when the variable is unset.
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ObsConfigError('port', `expected an integer 0–65535, ${received(port)}`);
  // An empty host would listen on every interface, which `host` exists to prevent.
  nonEmptyString(host, 'host');
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new ObsConfigError('path', `expected a path starting with /, ${received(path)}`);
  if (!rawFactories(options.metrics).enabled) {
    return { url: '', port: 0, close: () => Promise.resolve() };
  }
  const handle = createMetricsFetchHandler(options);
  const origin = `http://${host.includes(':') ? `[${host}]` : host}`;
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return;
    }
    handle(toRequest(req, origin))
      .then((response) => send(res, response))
      .catch((err: unknown) => {
        reportInternalError(err, '@obs/metrics: metrics server');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.on('error', (err) => reportInternalError(err, '@obs/metrics: metrics server'));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `${origin}:${actual}${path}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
