import {
  contentLength,
  httpMethodLabel,
  ObsConfigError,
  reportInternalError,
  type InstrumentedRequest,
  type RequestInstrument,
} from '@obs/core';
import type { CounterSeries } from './counter';
import type { GaugeSeries } from './gauge';
import { DEFAULT_BUCKETS, SIZE_BUCKETS, type Histogram, type HistogramSeries } from './histogram';
import { checkMetricName } from './labels';
import { rawFactories, type Metrics } from './metrics';
import { optionsObject, received } from './options';

/** What the framework adapters of the RED-metrics instrument decide (`httpMetrics()` for Hono). */
export interface RequestMetricsOptions<N> {
  /** The metrics object from `createMetrics()`. */
  metrics: Metrics;
  /** Requests not measured (probe and scrape paths). */
  skip: (request: InstrumentedRequest<N>) => boolean;
  /** Report `status` as its class (`2xx`, `4xx`) instead of the code. @default false */
  groupStatus?: boolean;
  /** `http_requests_in_flight{method}`. @default true */
  inFlight?: boolean;
  /**
   * `http_request_size_bytes` (from `Content-Length`) and `http_response_size_bytes` (the body's
   * size under @hono/node-server, else its `Content-Length`). @default true
   */
  sizes?: boolean;
  /** Duration buckets in seconds. @default 0.005 … 10 */
  buckets?: readonly number[];
  /**
   * More labels on the request counter and histograms, each read from the request after the
   * handler ran, e.g. `{ tenant_tier: (c) => c.var.tier ?? 'none' }`. Mind the cardinality: the
   * guard caps each metric's series, but a label with many values fills the cap fast.
   */
  extraLabels?: Record<string, (native: N) => string>;
  /** Other metric names, for services that already publish under the seeds' custom names. */
  names?: Partial<
    Record<'requests' | 'duration' | 'inFlight' | 'requestSize' | 'responseSize', string>
  >;
}

/** Route label of requests no route matched: one value for all of them. */
export const UNMATCHED_ROUTE = '__unmatched__';

/** Label combinations remembered for the fast path; the metrics' own guard bounds the series. */
const MAX_BUNDLES = 10_000;

interface Bundle {
  requests: CounterSeries;
  duration: HistogramSeries;
  requestSize: HistogramSeries | undefined;
  responseSize: HistogramSeries | undefined;
}

/** Whether `reset()` or `remove()` took any of the bundle's series out of its metric. */
function stale(found: Bundle): boolean {
  return (
    found.requests.detached === true ||
    found.duration.detached === true ||
    found.requestSize?.detached === true ||
    found.responseSize?.detached === true
  );
}

function readLabel<N>(read: (native: N) => string, native: N): string {
  try {
    const value: unknown = read(native); // JavaScript readers may return anything
    // NUL separates label values in the series key.
    return (typeof value === 'string' ? value : String(value)).replaceAll('\u0000', '');
  } catch (err) {
    reportInternalError(err, '@obs/metrics: httpMetrics extraLabels');
    return '';
  }
}

const NOTHING: RequestInstrument<never, never> = {
  name: '@obs/metrics',
  start: () => undefined,
  end: () => undefined,
};

/**
 * HTTP RED metrics for every request, framework-neutral (`httpMetrics()` and
 * `httpMetricsInstrument()` from `@obs/metrics/hono` are it for Hono):
 * `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route,status}`
 * (with the sampled trace as exemplar, recorded inside the request's frame),
 * `http_requests_in_flight{method}`, and request/response size histograms.
 *
 * @throws ObsConfigError naming `metrics`, `names.*` or `extraLabels.*`.
 */
export function requestMetrics<N>(
  options: RequestMetricsOptions<N>,
): RequestInstrument<N, string | GaugeSeries> {
  const {
    metrics,
    groupStatus = false,
    inFlight = true,
    sizes = true,
    names = {},
  } = optionsObject(options, '{ metrics, … }');
  const raw = rawFactories(metrics);
  const { skip } = options;
  // Checked here, not by the metric constructors, so that the error names `names.requests`; an
  // empty name (an unset environment variable) would otherwise read as a missing metric `name`.
  for (const [key, name] of Object.entries<unknown>(names)) {
    if (name !== undefined) checkMetricName(name, `names.${key}`);
  }
  const extra = Object.entries(options.extraLabels ?? {});
  for (const [name, read] of extra) {
    if (typeof read !== 'function')
      throw new ObsConfigError(`extraLabels.${name}`, `expected (c) => string, ${received(read)}`);
  }
  if (!raw.enabled) return NOTHING;
  const labelNames = ['method', 'route', 'status', ...extra.map(([name]) => name)];
  const requests = raw.counter({
    name: names.requests ?? 'http_requests_total',
    help: 'HTTP requests answered.',
    labelNames,
  });
  const duration = raw.histogram({
    name: names.duration ?? 'http_request_duration_seconds',
    help: 'Time to answer HTTP requests, in seconds.',
    labelNames,
    buckets: options.buckets ?? DEFAULT_BUCKETS,
  });
  const inFlightGauge = inFlight
    ? raw.gauge({
        name: names.inFlight ?? 'http_requests_in_flight',
        help: 'HTTP requests being answered.',
        labelNames: ['method'],
      })
    : undefined;
  const sizeHistogram = (name: string, help: string): Histogram | undefined =>
    sizes
      ? raw.histogram({
          name,
          help,
          labelNames,
          buckets: SIZE_BUCKETS,
          exemplars: false,
          window: false,
        })
      : undefined;
  const requestSize = sizeHistogram(
    names.requestSize ?? 'http_request_size_bytes',
    'HTTP request body sizes, in bytes (from Content-Length).',
  );
  const responseSize = sizeHistogram(
    names.responseSize ?? 'http_response_size_bytes',
    'HTTP response body sizes, in bytes.',
  );

  const statusLabel = (status: number): string =>
    groupStatus ? `${Math.floor(status / 100)}xx` : String(status);
  // Every series a request touches, found by one lookup; remembered up to MAX_BUNDLES (the
  // metrics' own guard bounds the series past that).
  let remembered = 0;
  const bundle = (values: string[]): Bundle => ({
    requests: requests.series(...values),
    duration: duration.series(...values),
    requestSize: requestSize?.series(...values),
    responseSize: responseSize?.series(...values),
  });
  /** A new bundle under `key`: none was kept, or `reset()`/`remove()` took the kept one's out. */
  const renew = <K>(map: Map<K, Bundle>, key: K, found: Bundle | undefined, values: string[]) => {
    const fresh = bundle(values);
    if (found) map.set(key, fresh);
    else if (remembered < MAX_BUNDLES) {
      map.set(key, fresh);
      remembered++;
    }
    return fresh;
  };
  // method → route → status: the route template is the router's own string and the status a
  // small integer, so no lookup builds or hashes a new string.
  const byMethod = new Map<string, Map<string, Map<number, Bundle>>>();
  const lookup = (method: string, route: string, status: number): Bundle => {
    let byRoute = byMethod.get(method);
    if (!byRoute) byMethod.set(method, (byRoute = new Map<string, Map<number, Bundle>>()));
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, (byStatus = new Map<number, Bundle>()));
    const found = byStatus.get(status);
    return found && !stale(found)
      ? found
      : renew(byStatus, status, found, [method, route, statusLabel(status)]);
  };
  // With extra labels, one key of all the label values joined by NUL.
  const byKey = new Map<string, Bundle>();
  const lookupExtra = (method: string, route: string, status: number, native: N): Bundle => {
    const values = [method, route, statusLabel(status)];
    for (const [, read] of extra) values.push(readLabel(read, native));
    const key = values.join('\u0000');
    const found = byKey.get(key);
    return found && !stale(found) ? found : renew(byKey, key, found, values);
  };
  const inFlightSeries = new Map<string, GaugeSeries>();

  return {
    name: '@obs/metrics',
    // The state: the request's in-flight series (so it is the one taken down again, even across a
    // reset()), or its method label without the gauge.
    start(request) {
      if (skip(request)) return undefined;
      const method = httpMethodLabel(request.method);
      if (!inFlightGauge) return method;
      let active = inFlightSeries.get(method);
      if (!active || active.detached)
        inFlightSeries.set(method, (active = inFlightGauge.series(method)));
      inFlightGauge.write(active, 1, true);
      return active;
    },
    end(state, request, outcome) {
      let method: string;
      if (typeof state === 'string') method = state;
      else {
        method = state.labels.method!;
        // A reset() since the start took the series out: its successor never counted this one.
        if (!state.detached) inFlightGauge!.write(state, -1, true);
      }
      const { status, threw } = outcome;
      const route = outcome.route ?? UNMATCHED_ROUTE;
      const found =
        extra.length === 0
          ? lookup(method, route, status)
          : lookupExtra(method, route, status, request.native);
      requests.add(found.requests, 1);
      duration.record(found.duration, outcome.seconds);
      // GET and HEAD carry no body: skip the header read on the most common requests.
      if (found.requestSize && method !== 'GET' && method !== 'HEAD') {
        const size = contentLength(request.header('content-length'));
        if (size !== undefined) requestSize!.record(found.requestSize, size);
      }
      if (found.responseSize && !threw) {
        const size = outcome.responseSize();
        if (size !== undefined) responseSize!.record(found.responseSize, size);
      }
    },
  };
}
