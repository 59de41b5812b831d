import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { constantTimeEqual, ObsConfigError, reportInternalError } from '@obs/core';
import { expose, negotiate, OPENMETRICS_CONTENT_TYPE } from './exposition';
import { rawFactories, type Metrics } from './metrics';
import { isObject, nonEmptyString, optionsObject, received } from './options';

const gzip = promisify(gzipCallback);

export interface MetricsHandlerOptions {
  metrics: Metrics;
  /**
   * Require `Authorization: Bearer <token>` or Basic credentials; the token, username and
   * password must be non-empty (an unset environment variable throws, naming e.g. `auth.bearer`).
   * @default none
   */
  auth?: { bearer: string } | { username: string; password: string };
  /** Compress when the scraper accepts gzip. @default true */
  gzip?: boolean;
}

const AUTH_SHAPE = '{ bearer } or { username, password }';

function authorizer(auth: unknown): (header: string | null) => boolean {
  if (auth === undefined) return () => true;
  if (!isObject(auth))
    throw new ObsConfigError('auth', `expected ${AUTH_SHAPE}, ${received(auth)}`);
  let expected: string;
  // Checked by key, not by value: `{ bearer: process.env.METRICS_TOKEN }` with the variable
  // unset must name `auth.bearer`, not the whole of `auth`.
  if ('bearer' in auth) {
    expected = `Bearer ${nonEmptyString(auth.bearer, 'auth.bearer')}`;
  } else if ('username' in auth || 'password' in auth) {
    const { username, password } = auth as Record<string, unknown>;
    const credentials = `${nonEmptyString(username, 'auth.username')}:${nonEmptyString(password, 'auth.password')}`;
    expected = `Basic ${Buffer.from(credentials).toString('base64')}`;
  } else {
    throw new ObsConfigError('auth', `expected ${AUTH_SHAPE}`);
  }
  return (header) => header !== null && constantTimeEqual(header, expected);
}

/**
 * The `/metrics` endpoint as a fetch handler, `(Request) => Promise<Response>`, for any server:
 * content negotiation (OpenMetrics with exemplars when asked, text 0.0.4 otherwise), gzip,
 * optional bearer or basic auth, and `obs_metrics_scrape_duration_seconds`.
 */
export function createMetricsFetchHandler(
  options: MetricsHandlerOptions,
): (request: Request) => Promise<Response> {
  const { metrics, gzip: compress = true } = optionsObject(options, '{ metrics, auth?, gzip? }');
  const raw = rawFactories(metrics);
  if (typeof compress !== 'boolean')
    throw new ObsConfigError('gzip', `expected true or false, ${received(compress)}`);
  const allowed = authorizer(options.auth);
  const scrapeDuration = raw.gauge({
    name: 'obs_metrics_scrape_duration_seconds',
    help: 'How long the previous scrape of this endpoint took to produce, in seconds.',
  });

  return async (request) => {
    if (!allowed(request.headers.get('authorization'))) {
      return new Response('Unauthorized\n', {
        status: 401,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'www-authenticate': 'Bearer realm="metrics"',
        },
      });
    }
    const started = performance.now();
    try {
      const contentType = negotiate(request.headers.get('accept'));
      const text = await expose(metrics.registry, {
        openMetrics: contentType === OPENMETRICS_CONTENT_TYPE,
        collectTimeoutMs: raw.collectTimeoutMs,
      });
      const headers: Record<string, string> = {
        'content-type': contentType,
        vary: 'Accept, Accept-Encoding',
      };
      let body: string | Buffer = text;
      if (compress && /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '')) {
        body = await gzip(text);
        headers['content-encoding'] = 'gzip';
      }
      return new Response(body, { status: 200, headers });
    } catch (err) {
      reportInternalError(err, '@obs/metrics: /metrics');
      return new Response('metrics unavailable\n', {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    } finally {
      scrapeDuration.set((performance.now() - started) / 1000);
    }
  };
}
