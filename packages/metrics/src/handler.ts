import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { constantTimeEqual, ObsConfigError, reportInternalError } from '@obs/core';
import { expose, negotiate, OPENMETRICS_CONTENT_TYPE } from './exposition';
import { rawFactories, type Metrics } from './metrics';

const gzip = promisify(gzipCallback);

export interface MetricsHandlerOptions {
  metrics: Metrics;
  /** Require `Authorization: Bearer <token>` or Basic credentials. @default none */
  auth?: { bearer: string } | { username: string; password: string };
  /** Compress when the scraper accepts gzip. @default true */
  gzip?: boolean;
}

function authorizer(auth: MetricsHandlerOptions['auth']): (header: string | null) => boolean {
  if (auth === undefined) return () => true;
  if ('bearer' in auth && typeof auth.bearer === 'string' && auth.bearer !== '') {
    const expected = `Bearer ${auth.bearer}`;
    return (header) => header !== null && constantTimeEqual(header, expected);
  }
  if (
    'username' in auth &&
    typeof auth.username === 'string' &&
    typeof auth.password === 'string'
  ) {
    const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    return (header) => header !== null && constantTimeEqual(header, expected);
  }
  throw new ObsConfigError('auth', 'expected { bearer } or { username, password }');
}

/**
 * The `/metrics` endpoint as a fetch handler, `(Request) => Promise<Response>`, for any server:
 * content negotiation (OpenMetrics with exemplars when asked, text 0.0.4 otherwise), gzip,
 * optional bearer or basic auth, and `obs_metrics_scrape_duration_seconds`.
 */
export function createMetricsFetchHandler(
  options: MetricsHandlerOptions,
): (request: Request) => Promise<Response> {
  const { metrics, gzip: compress = true } = options;
  const raw = rawFactories(metrics);
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
        defaultLabels: raw.defaultLabels,
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
