import { gzipSync } from 'node:zlib';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import {
  configErrorFromIssues,
  constantTimeEqual,
  createRedactor,
  ObsConfigError,
  reportInternalError,
  resolveServiceInfo,
} from '@obs/core';
import type {
  AlertsResponse,
  BusinessResponse,
  ConfigResponse,
  OverviewResponse,
  TraceResponse,
  TracesResponse,
} from '../api';
import {
  acceptsGzip,
  defaultAssetsDir,
  etagOf,
  injectBase,
  loadAssets,
  type Asset,
  type Assets,
} from '../assets';
import { overviewDashboard, type DashboardDefinition } from '../definition';
import { LOG_LEVELS, queryLogs, type LogLevel } from '../logs';
import type { DashboardOptions } from '../options';
import { Sampler } from '../sampler';
import { traceSpans, traceSummaries } from '../traces';

export interface ObsDashboardOptions extends DashboardOptions {
  /**
   * Where the built pages are. For tests (a fake `ui-dist`); the default, the package's own
   * `ui-dist/`, is what users want. @internal
   */
  assetsDir?: string;
}

/** The Hono sub-app, plus control of its sampler. */
export type ObsDashboard = Hono & {
  /** Stops sampling the metrics (the timer is unref()ed, so it never holds the process open). */
  close(): void;
  /**
   * Samples the metrics now (as each `intervalMs` tick does); resolves when the panels are updated.
   * The sample starts after the call: a tick in progress is waited for, then one more is taken.
   */
  sample(): Promise<void>;
};

const AUTH_PROBLEM =
  'required: { bearer } (at least 16 characters), { username, password } (password at least 8 characters), or false to turn protection off explicitly';

const source = <T>(method: string) =>
  z.custom<T>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as Record<string, unknown>)[method] === 'function',
    { message: `expected an object with ${method}()` },
  );

const grouping = {
  by: z.array(z.string()).optional(),
  where: z.record(z.string(), z.string()).optional(),
};
const query: z.ZodType = z.lazy(() =>
  z.union([
    z.object({ kind: z.enum(['rate', 'value']), metric: z.string().min(1), ...grouping }),
    z.object({
      kind: z.literal('quantile'),
      q: z.number().min(0).max(1),
      metric: z.string().min(1),
      ...grouping,
    }),
    z.object({ kind: z.literal('ratio'), numerator: query, denominator: query }),
  ]),
);
const definition = z.object({
  uid: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and -'),
  title: z.string(),
  panels: z.array(
    z.object({
      title: z.string(),
      queries: z.array(query).min(1),
      type: z.enum(['timeseries', 'stat']).optional(),
    }),
  ),
});

/** Points a series keeps at most (`historyMs / intervalMs`). */
const MAX_POINTS = 2000;

const schema = z
  .object({
    auth: z.union(
      [
        z.literal(false),
        z.object({ bearer: z.string().min(16) }).strict(),
        z
          .object({
            username: z
              .string()
              .min(1)
              .regex(/^[^:]*$/),
            password: z.string().min(8),
          })
          .strict(),
      ],
      { error: AUTH_PROBLEM },
    ),
    metrics: source('collect').optional(),
    health: source('report').optional(),
    alerts: source('alerts').optional(),
    alertsPath: z.string().startsWith('/').optional(),
    logs: source('records').optional(),
    traces: source('records').optional(),
    business: definition.optional(),
    service: z.record(z.string(), z.string().optional()).optional(),
    intervalMs: z.number().int().min(100).max(60_000).optional(),
    historyMs: z.number().int().min(1000).max(3_600_000).optional(),
    assetsDir: z.string().optional(),
  })
  .superRefine((o, ctx) => {
    const interval = o.intervalMs ?? 2000;
    if ((o.historyMs ?? 300_000) < 2 * interval)
      ctx.addIssue({
        code: 'custom',
        path: ['historyMs'],
        message: 'must hold at least two samples (2 × intervalMs)',
      });
    // Every series keeps this many points, and /api/overview sends them: bounded.
    if ((o.historyMs ?? 300_000) / interval > MAX_POINTS)
      ctx.addIssue({
        code: 'custom',
        path: ['historyMs'],
        message: `must hold at most ${MAX_POINTS} samples (historyMs / intervalMs)`,
      });
    if (o.business && !o.metrics)
      ctx.addIssue({
        code: 'custom',
        path: ['metrics'],
        message: 'the business panels read metrics',
      });
  });

type Problem = 401 | 404 | 422 | 503;
const TITLES: Record<Problem, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  422: 'Unprocessable Content',
  503: 'Service Unavailable',
};

function problem(
  status: Problem,
  detail: string,
  field?: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(
    JSON.stringify({
      type: 'about:blank',
      title: TITLES[status],
      status,
      detail,
      ...(field ? { errors: [{ path: field, message: detail }] } : {}),
    }),
    {
      status,
      headers: {
        'content-type': 'application/problem+json',
        'cache-control': 'no-store',
        ...headers,
      },
    },
  );
}

const limit = (fallback: number, max: number) =>
  z.coerce
    .number({ error: `must be an integer from 1 to ${max}` })
    .int({ error: `must be an integer from 1 to ${max}` })
    .min(1, { error: `must be an integer from 1 to ${max}` })
    .max(max, { error: `must be an integer from 1 to ${max}` })
    .default(fallback);
const levels = Object.keys(LOG_LEVELS) as [LogLevel, ...LogLevel[]];
const logsQuery = z.object({
  level: z.enum(levels, { error: `must be one of ${levels.join(', ')}` }).optional(),
  q: z.string().max(200).optional(),
  request_id: z.string().max(200).optional(),
  trace_id: z.string().max(200).optional(),
  limit: limit(200, 1000),
});
const tracesQuery = z.object({ limit: limit(100, 1000) });

/** Parses the query string, or answers 422 naming the first bad parameter. */
function parseQuery<T>(c: Context, schema: z.ZodType<T>): T | Response {
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.req.query())) if (v !== '') raw[k] = v;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = issue.path.map(String).join('.') || 'query';
  return problem(422, `${name}: ${issue.message}`, name);
}

const json = (c: Context, body: unknown) =>
  c.body(JSON.stringify(body), 200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });

/**
 * The live dashboard as a Hono sub-app: the pages (a single-page app from `ui-dist/`) and the
 * JSON they read under `/api`. Mount it under a path of your choice:
 *
 * @example
 * ```ts
 * app.route('/_obs', obsDashboard({ auth: { bearer: process.env.ADMIN_TOKEN! }, metrics, logs }));
 * ```
 *
 * With `metrics`, it samples them every `intervalMs` from creation on (an unref()ed timer; stop
 * it with `close()`), keeping `historyMs` of points and the panels computed at each sample.
 */
export function obsDashboard(options: ObsDashboardOptions): ObsDashboard {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.path[0] === 'auth') throw new ObsConfigError('auth', AUTH_PROBLEM);
    throw configErrorFromIssues(parsed.error.issues);
  }
  const { auth, metrics, health, alerts, logs, traces, business } = options;
  const intervalMs = options.intervalMs ?? 2000;
  const historyMs = options.historyMs ?? 300_000;
  const service = resolveServiceInfo(options.service).name;
  const redact = createRedactor();

  const overview = overviewDashboard();
  const definitions: Record<string, DashboardDefinition> = { overview };
  if (business) definitions.business = business;
  let sampler: Sampler | undefined;
  if (metrics) {
    try {
      sampler = new Sampler({ metrics, intervalMs, historyMs, definitions, routes: true });
    } catch (err) {
      throw new ObsConfigError('business', (err as Error).message, { cause: err });
    }
    sampler.start();
  }

  const pages: ConfigResponse['pages'] = [];
  if (metrics || health) pages.push('overview');
  if (business) pages.push('business');
  if (logs) pages.push('logs');
  if (traces) pages.push('traces');
  if (alerts) pages.push('alerts');
  const config: ConfigResponse = {
    service,
    title: `${service} · dashboard`,
    refreshMs: intervalMs,
    historyMs,
    pages,
    alertsPath: alerts ? (options.alertsPath ?? '/alerts') : undefined,
  };

  // --- auth
  const basic =
    auth !== false && 'username' in auth
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
      : undefined;
  const bearer = auth !== false && 'bearer' in auth ? `Bearer ${auth.bearer}` : undefined;
  const denied = (authorization: string | undefined, api: boolean): Response | undefined => {
    const header = authorization ?? '';
    if (basic !== undefined && !constantTimeEqual(header, basic))
      return problem(401, 'valid credentials are required', undefined, {
        'www-authenticate': 'Basic realm="obs"',
      });
    if (api && bearer !== undefined && !constantTimeEqual(header, bearer))
      return problem(401, 'a valid bearer token is required', undefined, {
        'www-authenticate': 'Bearer',
      });
    return undefined;
  };

  const app = new Hono();
  // Basic auth guards everything; a bearer token guards the data (the pages hold none).
  app.use('*', async (c, next) => denied(c.req.header('authorization'), false) ?? (await next()));
  app.use(
    '/api/*',
    async (c, next) => denied(c.req.header('authorization'), true) ?? (await next()),
  );

  // --- data
  let overviewCache: { tick: number; body: Omit<OverviewResponse, 'now' | 'health'> } | undefined;
  const missing = (page: string) => problem(404, `the ${page} page has no source configured`);

  app.get('/api/config', (c) => json(c, redact(config)));

  app.get('/api/overview', async (c) => {
    if (!pages.includes('overview')) return missing('overview');
    const tick = sampler?.history.ticks ?? 0;
    if (overviewCache?.tick !== tick) {
      overviewCache = {
        tick,
        body: redact({
          panels: sampler?.panels.get('overview')?.data() ?? [],
          routes: sampler?.routes?.rows ?? [],
        }) as Omit<OverviewResponse, 'now' | 'health'>,
      };
    }
    let healthData: OverviewResponse['health'];
    if (health) {
      try {
        const report = await health.report();
        healthData = redact({
          status: report.status,
          checks: Object.entries(report.checks).map(([name, check]) => ({ name, ...check })),
        }) as OverviewResponse['health'];
      } catch (err) {
        reportInternalError(err, '@obs/dashboard: health.report()');
      }
    }
    const body: OverviewResponse = { now: Date.now(), ...overviewCache.body, health: healthData };
    return json(c, body);
  });

  let businessCache: { tick: number; body: BusinessResponse['panels'] } | undefined;
  app.get('/api/business', (c) => {
    const panels = sampler?.panels.get('business');
    if (!business || !panels) return missing('business');
    const tick = sampler?.history.ticks ?? 0;
    if (businessCache?.tick !== tick)
      businessCache = { tick, body: redact(panels.data()) as BusinessResponse['panels'] };
    const body: BusinessResponse = {
      now: Date.now(),
      title: business.title,
      panels: businessCache.body,
    };
    return json(c, body);
  });

  /** A source's records, or a 503 when it throws (reported; the app's request is not failed). */
  const read = <T>(what: string, get: () => T): T | Response => {
    try {
      return get();
    } catch (err) {
      reportInternalError(err, `@obs/dashboard: ${what}`);
      return problem(503, `${what} failed; see the service's logs`);
    }
  };

  app.get('/api/logs', (c) => {
    if (!logs) return missing('logs');
    const q = parseQuery(c, logsQuery);
    if (q instanceof Response) return q;
    const records = read('logs.records()', () => logs.records());
    if (records instanceof Response) return records;
    return json(c, queryLogs(records, q, redact));
  });

  app.get('/api/traces', (c) => {
    if (!traces) return missing('traces');
    const q = parseQuery(c, tracesQuery);
    if (q instanceof Response) return q;
    const records = read('traces.records()', () => traces.records());
    if (records instanceof Response) return records;
    const body: TracesResponse = { traces: traceSummaries(records, q.limit) };
    return json(c, redact(body));
  });

  app.get('/api/traces/:traceId', (c) => {
    if (!traces) return missing('traces');
    const traceId = c.req.param('traceId');
    const records = read('traces.records()', () => traces.records());
    if (records instanceof Response) return records;
    const spans = traceSpans(records, traceId);
    if (!spans) return problem(404, 'no span of this trace is held (the ring keeps recent traces)');
    const body: TraceResponse = { trace_id: traceId, spans };
    return json(c, redact(body));
  });

  app.get('/api/alerts', async (c) => {
    if (!alerts) return missing('alerts');
    let history: AlertsResponse['history'] = [];
    try {
      history = [...(await alerts.history(50))];
    } catch (err) {
      reportInternalError(err, '@obs/dashboard: alerts.history()');
    }
    const active = read('alerts.alerts()', () => [...alerts.alerts()]);
    if (active instanceof Response) return active;
    const body: AlertsResponse = { active, history };
    return json(c, redact(body));
  });

  app.all('/api/*', () => problem(404, 'no such endpoint'));

  // --- pages
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  let assets: Assets | undefined;
  const loaded = (): Assets | undefined => {
    if (assets) return assets;
    try {
      assets = loadAssets(assetsDir);
    } catch (err) {
      reportInternalError(err, '@obs/dashboard: reading the pages');
    }
    return assets;
  };
  const indexes = new Map<string, Asset>();

  const send = (c: Context, asset: Asset, cacheControl: string): Response => {
    const gzip =
      asset.gzip && acceptsGzip(c.req.header('accept-encoding')) ? asset.gzip : undefined;
    const etag = gzip ? gzip.etag : asset.etag;
    const headers: Record<string, string> = {
      'content-type': asset.type,
      'cache-control': cacheControl,
      etag,
      'x-content-type-options': 'nosniff',
    };
    if (asset.gzip) headers.vary = 'Accept-Encoding';
    if (gzip) headers['content-encoding'] = 'gzip';
    const match = c.req.header('if-none-match');
    if (match?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
      return c.body(null, 304, headers);
    return c.body(gzip ? gzip.body : asset.body, 200, headers);
  };

  const page = (c: Context, mount: string): Response => {
    const built = loaded();
    if (!built)
      return problem(503, 'dashboard pages not built: run pnpm --filter @obs/dashboard build:ui');
    let index = indexes.get(mount);
    if (!index) {
      const body = new TextEncoder().encode(injectBase(built.index, mount));
      const gz = new Uint8Array(gzipSync(body));
      index = {
        body,
        etag: etagOf(body),
        type: 'text/html; charset=utf-8',
        gzip: { body: gz, etag: etagOf(gz) },
      };
      if (indexes.size < 16) indexes.set(mount, index);
    }
    return send(c, index, 'no-cache');
  };

  app.get('/assets/:file', (c) => {
    const name = c.req.param('file');
    const asset = name === 'index.html' ? undefined : loaded()?.files.get(name);
    if (!asset) return problem(404, 'no such asset');
    return send(c, asset, 'no-cache');
  });
  app.get('/', (c) => {
    const path = c.req.path;
    if (path.endsWith('/')) return page(c, path.slice(0, -1));
    const url = new URL(c.req.url);
    return c.redirect(`${path}/${url.search}`, 308);
  });
  // `{mount}/` (the sub-app's `/` route matches `{mount}` only).
  app.get('*', (c) => {
    const path = c.req.path;
    // The pattern is `{mount}/*` (`hono/route`'s helpers need hono 4.8; the peer range is 4.6+).
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const mountSegments = c.req.routePath.slice(0, -2).split('/').length;
    if (path.endsWith('/') && path.slice(0, -1).split('/').length === mountSegments)
      return page(c, path.slice(0, -1));
    return problem(404, 'not found');
  });

  return Object.assign(app, {
    close: () => sampler?.close(),
    sample: () => sampler?.sampleAfter() ?? Promise.resolve(),
  });
}
