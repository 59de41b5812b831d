import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Hono } from 'hono';
import { isObsError, setInternalErrorHandler } from '@obs/core';
import type {
  AlertsResponse,
  BusinessResponse,
  ConfigResponse,
  LogsResponse,
  OverviewResponse,
  TraceResponse,
  TracesResponse,
} from '../api';
import { overviewDashboard, rate, value } from '../definition';
import type { AlertRecord, MetricSample, SpanRecord } from '../sources';
import { obsDashboard, type ObsDashboard, type ObsDashboardOptions } from './index';

const TOKEN = 'a-dashboard-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

const uiDist = mkdtempSync(join(tmpdir(), 'obs-ui-dist-'));
writeFileSync(
  join(uiDist, 'index.html'),
  '<!doctype html><html><head><title>obs</title></head><body></body></html>',
);
writeFileSync(join(uiDist, 'index.html.gz'), gzipSync('stale'));
writeFileSync(join(uiDist, 'app.js'), 'console.log("app");'.repeat(50));
writeFileSync(join(uiDist, 'app.js.gz'), gzipSync('console.log("app");'.repeat(50)));
writeFileSync(join(uiDist, 'app.css'), 'body { margin: 0 }');
mkdirSync(join(uiDist, 'nested'));
afterAll(() => rmSync(uiDist, { recursive: true, force: true }));

/** A metric source whose samples the test sets. */
function fakeMetrics() {
  const counters = new Map<
    string,
    { name: string; labels: Record<string, string>; value: number }
  >();
  const source = {
    fail: false,
    collect(): MetricSample[] {
      if (source.fail) throw new Error('registry exploded');
      return [...counters.values()].map((c) => ({ ...c, labels: { ...c.labels } }));
    },
    add(name: string, labels: Record<string, string>, by: number) {
      const key = name + JSON.stringify(labels);
      const c = counters.get(key) ?? { name, labels, value: 0 };
      c.value += by;
      counters.set(key, c);
    },
    set(name: string, labels: Record<string, string>, v: number) {
      counters.set(name + JSON.stringify(labels), { name, labels, value: v });
    },
    /** `n` requests of `seconds` each on a route. */
    request(route: string, status: string, n: number, seconds: number) {
      const labels = { method: 'GET', route, status };
      source.add('http_requests_total', labels, n);
      for (const le of ['0.005', '0.05', '0.5', '5', '+Inf'])
        source.add(
          'http_request_duration_seconds_bucket',
          { ...labels, le },
          seconds <= Number(le) || le === '+Inf' ? n : 0,
        );
    },
  };
  return source;
}

const span = (over: Partial<SpanRecord>): SpanRecord => ({
  trace_id: 'a'.repeat(32),
  span_id: '1'.repeat(16),
  name: 'span',
  kind: 'internal',
  start_ms: 1000,
  duration_ms: 10,
  status: 'unset',
  attributes: {},
  events: [],
  ...over,
});

const alert = (id: string, state: string): AlertRecord => ({
  id,
  name: 'HighErrorRate',
  state,
  severity: 'critical',
  labels: { route: '/x' },
  annotations: { summary: 'errors', webhook_token: 'hidden' },
  value: 0.2,
  source: 'engine',
  activeAt: 1,
  startsAt: 2,
  endsAt: undefined,
  silencedUntil: undefined,
  acknowledgedBy: undefined,
});

const opened: ObsDashboard[] = [];
function mount(options: Partial<ObsDashboardOptions> = {}, at = '/_obs') {
  const dashboard = obsDashboard({ auth: { bearer: TOKEN }, assetsDir: uiDist, ...options });
  opened.push(dashboard);
  const app = new Hono();
  app.route(at, dashboard);
  return { app, dashboard };
}

afterEach(() => {
  for (const d of opened.splice(0)) d.close();
  jest.useRealTimers();
  setInternalErrorHandler(undefined);
});

describe('obsDashboard options', () => {
  it('requires auth, named as the option, and rejects weak or malformed credentials', () => {
    const bad: unknown[] = [
      undefined,
      true,
      null,
      { bearer: 'short' },
      { username: 'a' },
      { username: 'a:b', password: 'long-enough' },
    ];
    for (const a of bad) {
      let error: unknown;
      try {
        obsDashboard({ auth: a } as ObsDashboardOptions);
      } catch (e) {
        error = e;
      }
      expect(isObsError(error, 'CONFIG_INVALID')).toBe(true);
      expect(error).toHaveProperty('option', 'auth');
    }
    expect(() => obsDashboard({} as ObsDashboardOptions)).toThrow('Invalid option "auth"');
    opened.push(obsDashboard({ auth: false }));
    opened.push(obsDashboard({ auth: { username: 'ops', password: 'long-enough' } }));
  });

  it('validates intervals, sources and the business definition by name', () => {
    const cases: [Partial<ObsDashboardOptions>, string][] = [
      [{ intervalMs: 0 }, 'intervalMs'],
      [{ intervalMs: 1.5 }, 'intervalMs'],
      [{ historyMs: 1000, intervalMs: 1000 }, 'historyMs'],
      [{ historyMs: 3_600_000, intervalMs: 100 }, 'historyMs'], // 36,000 points a series
      [{ logs: {} as never }, 'logs'],
      [{ business: { uid: 'Bad Uid', title: 'x', panels: [] } }, 'business.uid'],
      [{ business: { uid: 'b', title: 'x', panels: [] } }, 'metrics'],
      [
        {
          metrics: fakeMetrics(),
          business: {
            uid: 'b',
            title: 'x',
            panels: [{ title: 'p', queries: [rate('x', { where: { a: '~(' } })] }],
          },
        },
        'business',
      ],
    ];
    for (const [options, option] of cases)
      expect(() => obsDashboard({ auth: false, ...options })).toThrow(
        expect.objectContaining({ option }),
      );
  });
});

describe('auth', () => {
  it('with a bearer token, every /api path needs it; the page shell and assets are public', async () => {
    const { app } = mount({ logs: { records: () => [] } });
    for (const path of ['/_obs/api/config', '/_obs/api/logs', '/_obs/api/nope']) {
      const res = await app.request(path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const wrong = await app.request(path, { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
    }
    expect((await app.request('/_obs/api/config', { headers: auth })).status).toBe(200);
    expect((await app.request('/_obs/')).status).toBe(200);
    expect((await app.request('/_obs/assets/app.js')).status).toBe(200);
  });

  it('with basic auth, every path needs it, the page included', async () => {
    const { app } = mount({ auth: { username: 'ops', password: 'open sesame' } });
    for (const path of ['/_obs/', '/_obs/assets/app.js', '/_obs/api/config', '/_obs']) {
      const res = await app.request(path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="obs"');
    }
    const basic = { authorization: `Basic ${Buffer.from('ops:open sesame').toString('base64')}` };
    expect((await app.request('/_obs/', { headers: basic })).status).toBe(200);
    expect((await app.request('/_obs/api/config', { headers: basic })).status).toBe(200);
    const wrong = { authorization: `Basic ${Buffer.from('ops:open sesamE').toString('base64')}` };
    expect((await app.request('/_obs/api/config', { headers: wrong })).status).toBe(401);
  });

  it('with auth: false, everything is open', async () => {
    const { app } = mount({ auth: false });
    expect((await app.request('/_obs/api/config')).status).toBe(200);
  });
});

describe('GET /api/config', () => {
  it('lists only the pages whose source was given, and the alert routes path', async () => {
    const { app } = mount({
      service: { name: 'analytics' },
      logs: { records: () => [] },
      alerts: { alerts: () => [], history: () => Promise.resolve([]) },
    });
    const config = (await (
      await app.request('/_obs/api/config', { headers: auth })
    ).json()) as ConfigResponse;
    expect(config).toEqual({
      service: 'analytics',
      title: 'analytics · dashboard',
      refreshMs: 2000,
      historyMs: 300_000,
      pages: ['logs', 'alerts'],
      alertsPath: '/alerts',
    });
    for (const page of ['overview', 'business', 'traces', 'traces/abc']) {
      const res = await app.request(`/_obs/api/${page}`, { headers: auth });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('GET /api/overview', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_800_000_000_000, doNotFake: ['queueMicrotask', 'nextTick'] });
  });

  it('draws the overview panels from samples taken every intervalMs, bounded by historyMs', async () => {
    const metrics = fakeMetrics();
    const { app } = mount({ metrics, intervalMs: 1000, historyMs: 10_000 });
    for (let i = 0; i < 30; i++) {
      metrics.request('/a', '200', 10, 0.01);
      metrics.set('process_resident_memory_bytes', {}, 1e6 + i);
      await jest.advanceTimersByTimeAsync(1000);
    }
    const body = (await (
      await app.request('/_obs/api/overview', { headers: auth })
    ).json()) as OverviewResponse;
    expect(body.panels.map((p) => p.title)).toEqual(overviewDashboard().panels.map((p) => p.title));
    const requests = body.panels[0]!;
    expect(requests).toMatchObject({ unit: 'reqps', type: 'timeseries' });
    expect(requests.data.t).toHaveLength(11);
    expect(requests.data.t.at(-1)).toBe(Date.now() / 1000);
    expect(requests.data.series).toEqual([{ label: 'Request rate', values: expect.any(Array) }]);
    expect(requests.data.series[0]!.values.at(-1)).toBeCloseTo(10, 9);
    const errors = body.panels.find((p) => p.title === 'Error rate')!;
    expect(errors.data.series[0]!.values.at(-1)).toBe(0);
    const latency = body.panels.find((p) => p.title === 'Latency')!;
    expect(latency.data.series.map((s) => s.label)).toEqual(['p50', 'p95', 'p99']);
    // All requests in (0.005, 0.05]: p50 = 0.005 + 0.045 × 0.5.
    expect(latency.data.series[0]!.values.at(-1)).toBeCloseTo(0.0275, 9);
    const memory = body.panels.find((p) => p.title === 'Memory (RSS)')!;
    expect(memory.data.series[0]!.values.at(-1)).toBe(1e6 + 29);
    for (const panel of body.panels)
      for (const s of panel.data.series) expect(s.values).toHaveLength(11);
  });

  it('lists routes busiest first (at most 50) with rate, 5xx share and p95 over the last minute', async () => {
    const metrics = fakeMetrics();
    const { app } = mount({ metrics });
    for (let i = 0; i < 40; i++) {
      metrics.request('/busy', '200', 18, 0.01);
      metrics.request('/busy', '503', 2, 1);
      metrics.request('/quiet', '200', 2, 2);
      for (let r = 0; r < 60; r++) metrics.request(`/r${r}`, '200', 1, 0.001);
      await jest.advanceTimersByTimeAsync(2000);
    }
    const { routes } = (await (
      await app.request('/_obs/api/overview', { headers: auth })
    ).json()) as OverviewResponse;
    expect(routes).toHaveLength(50);
    expect(routes[0]).toEqual({
      method: 'GET',
      route: '/busy',
      rate: expect.any(Number),
      errorRate: expect.any(Number),
      p95: expect.any(Number),
    });
    expect(routes[0]!.rate).toBeCloseTo(10, 9);
    expect(routes[0]!.errorRate).toBeCloseTo(0.1, 9);
    // p95: rank 0.95 × 20 = 19 of 20; 18 ≤ 0.05 s, the next 2 in (0.5, 5] → 0.5 + 4.5 × 1/2.
    expect(routes[0]!.p95).toBeCloseTo(2.75, 9);
    expect(routes[1]).toMatchObject({ route: '/quiet', errorRate: 0 });
    expect(routes[1]!.rate).toBeCloseTo(1, 9);
    const rates = routes.map((r) => r.rate);
    expect([...rates].sort((a, b) => b - a)).toEqual(rates);
  });

  it('adds the health report, check by check', async () => {
    const { app } = mount({
      health: {
        report: () =>
          Promise.resolve({
            status: 'degraded' as const,
            checks: {
              cache: { status: 'degraded' as const, latency_ms: 2, critical: false, error: 'slow' },
            },
          }),
      },
    });
    const body = (await (
      await app.request('/_obs/api/overview', { headers: auth })
    ).json()) as OverviewResponse;
    expect(body.health).toEqual({
      status: 'degraded',
      checks: [
        { name: 'cache', status: 'degraded', latency_ms: 2, critical: false, error: 'slow' },
      ],
    });
    expect(body.routes).toEqual([]);
  });

  it('survives a failing collect(): reported once per failure, the data held stays', async () => {
    const reported: string[] = [];
    setInternalErrorHandler((_e, where) => reported.push(where));
    const metrics = fakeMetrics();
    const { app } = mount({ metrics });
    for (let i = 0; i < 5; i++) {
      metrics.request('/a', '200', 2, 0.01);
      await jest.advanceTimersByTimeAsync(2000);
    }
    const before = (await (
      await app.request('/_obs/api/overview', { headers: auth })
    ).json()) as OverviewResponse;
    metrics.fail = true;
    await jest.advanceTimersByTimeAsync(6000);
    const after = (await (
      await app.request('/_obs/api/overview', { headers: auth })
    ).json()) as OverviewResponse;
    expect(reported).toEqual(Array(3).fill('@obs/dashboard: sampling metrics'));
    expect(after.panels).toEqual(before.panels);
    expect(after.routes).toEqual(before.routes);
  });

  it('keeps sampling after a collect() that never answers, reporting it once an interval passed', async () => {
    const reported: string[] = [];
    setInternalErrorHandler((e, where) => reported.push(`${where}: ${(e as Error).message}`));
    const metrics = fakeMetrics();
    let hang = true;
    let answered = 0;
    const source = {
      collect: () => {
        if (hang) return new Promise<MetricSample[]>(() => undefined);
        answered++;
        return metrics.collect();
      },
    };
    mount({ metrics: source });
    await jest.advanceTimersByTimeAsync(2000);
    expect(reported).toEqual([
      '@obs/dashboard: sampling metrics: metrics.collect() took over 2000 ms',
    ]);
    hang = false;
    await jest.advanceTimersByTimeAsync(4000);
    expect(answered).toBeGreaterThanOrEqual(1); // the next ticks asked again
  });

  it('sample() includes what was recorded before the call, even while a tick is collecting', async () => {
    const metrics = fakeMetrics();
    metrics.request('/old', '200', 1, 0.01);
    // The first tick's collect() is held open; it read the registry before the next request.
    let release: (() => void) | undefined;
    let calls = 0;
    const source = {
      collect: () => {
        const snapshot = metrics.collect();
        if (calls++ > 0) return snapshot;
        return new Promise<MetricSample[]>((resolve) => (release = () => resolve(snapshot)));
      },
    };
    const { app, dashboard } = mount({ metrics: source });
    expect(release).toBeDefined(); // the tick at creation is in progress
    metrics.request('/new', '200', 1, 0.01);
    jest.setSystemTime(Date.now() + 500);
    const sampled = dashboard.sample();
    release!();
    await sampled;
    const body = (await (
      await app.request('/_obs/api/overview', { headers: auth })
    ).json()) as OverviewResponse;
    expect(body.routes.map((r) => r.route)).toContain('/new');
  });

  it('sample() waits past one interval for a slow collect(): a busy machine answers late, not wrongly', async () => {
    const reported: string[] = [];
    setInternalErrorHandler((e) => reported.push((e as Error).message));
    const metrics = fakeMetrics();
    let slow = false;
    const source = {
      collect: () =>
        slow
          ? new Promise<MetricSample[]>((resolve) =>
              setTimeout(() => resolve(metrics.collect()), 5000),
            )
          : metrics.collect(),
    };
    const { app, dashboard } = mount({ metrics: source });
    await jest.advanceTimersByTimeAsync(0); // the tick at creation is done
    dashboard.close(); // no timer ticks: only the explicit sample
    await jest.advanceTimersByTimeAsync(1000);
    metrics.request('/slow', '200', 1, 0.01);
    slow = true;
    const sampled = dashboard.sample();
    await jest.advanceTimersByTimeAsync(5000);
    await sampled;
    expect(reported).toEqual([]);
    const body = (await (
      await app.request('/_obs/api/overview', { headers: auth })
    ).json()) as OverviewResponse;
    expect(body.routes.map((r) => r.route)).toContain('/slow');
  });

  it('stops sampling on close()', async () => {
    const metrics = fakeMetrics();
    const collect = jest.spyOn(metrics, 'collect');
    const { dashboard } = mount({ metrics });
    await jest.advanceTimersByTimeAsync(4000);
    const calls = collect.mock.calls.length;
    expect(calls).toBeGreaterThanOrEqual(2);
    dashboard.close();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(collect.mock.calls.length).toBe(calls);
  });
});

describe('GET /api/business', () => {
  it('answers the configured panels, title included', async () => {
    jest.useFakeTimers({ now: 1_800_000_000_000 });
    const metrics = fakeMetrics();
    const business = {
      uid: 'analytics-business',
      title: 'Analytics',
      panels: [
        {
          title: 'Active users',
          queries: [value('analytics_active_users', { by: ['workspace_id'] })],
          legend: ['{{workspace_id}}'],
          type: 'stat' as const,
        },
      ],
    };
    const { app } = mount({ metrics, business });
    metrics.set('analytics_active_users', { workspace_id: 'w1' }, 3);
    metrics.set('analytics_active_users', { workspace_id: 'w2' }, 5);
    await jest.advanceTimersByTimeAsync(2000);
    const body = (await (
      await app.request('/_obs/api/business', { headers: auth })
    ).json()) as BusinessResponse;
    expect(body.title).toBe('Analytics');
    expect(body.panels).toEqual(
      [
        {
          title: 'Active users',
          unit: undefined,
          type: 'stat',
          data: {
            t: [Date.now() / 1000 - 2, Date.now() / 1000],
            series: [
              { label: 'w1', values: [null, 3] },
              { label: 'w2', values: [null, 5] },
            ],
          },
        },
      ].map(({ unit: _unit, ...p }) => p),
    );
  });
});

describe('sources that throw', () => {
  it('answer 503 problem+json and report it, instead of failing the app with a 500', async () => {
    const reported: string[] = [];
    setInternalErrorHandler((_e, where) => reported.push(where));
    const boom = () => {
      throw new Error('ring broken');
    };
    const { app } = mount({
      logs: { records: boom },
      traces: { records: boom },
      alerts: { alerts: boom, history: () => Promise.resolve([]) },
    });
    for (const path of ['logs', 'traces', `traces/${'a'.repeat(32)}`, 'alerts']) {
      const res = await app.request(`/_obs/api/${path}`, { headers: auth });
      expect([path, res.status, res.headers.get('content-type')]).toEqual([
        path,
        503,
        'application/problem+json',
      ]);
    }
    expect(reported).toEqual([
      '@obs/dashboard: logs.records()',
      '@obs/dashboard: traces.records()',
      '@obs/dashboard: traces.records()',
      '@obs/dashboard: alerts.alerts()',
    ]);
  });
});

describe('GET /api/logs', () => {
  const records = [
    { timestamp: 't1', level: 'debug', message: 'cache warm', request_id: 'r1' },
    { timestamp: 't2', level: 'info', message: 'GET /a', request_id: 'r1', trace_id: 'T1' },
    {
      timestamp: 't3',
      level: 'warn',
      message: 'Slow query',
      request_id: 'r2',
      password: 'hunter2',
    },
    {
      timestamp: 't4',
      level: 'error',
      message: 'boom',
      request_id: 'r2',
      headers: { authorization: 'Bearer abc' },
    },
    { timestamp: 't5', level: 'fatal', message: 'dying', trace_id: 'T1' },
  ];
  const get = async (query = '') => {
    const { app } = mount({ logs: { records: () => records } });
    const res = await app.request(`/_obs/api/logs${query}`, { headers: auth });
    return { res, body: (await res.json()) as LogsResponse & { errors?: { path: string }[] } };
  };

  it('answers the newest first, with the count held and matched', async () => {
    const { body } = await get();
    expect(body.records.map((r) => r.timestamp)).toEqual(['t5', 't4', 't3', 't2', 't1']);
    expect(body).toMatchObject({ held: 5, matched: 5 });
  });

  it('filters by level and above, text, request id and trace id; limit bounds the answer', async () => {
    expect((await get('?level=warn')).body.records.map((r) => r.timestamp)).toEqual([
      't5',
      't4',
      't3',
    ]);
    expect((await get('?level=error')).body.records.map((r) => r.level)).toEqual([
      'fatal',
      'error',
    ]);
    expect((await get('?q=SLOW')).body.records.map((r) => r.timestamp)).toEqual(['t3']);
    expect((await get('?q=r1')).body.records.map((r) => r.timestamp)).toEqual(['t2', 't1']);
    expect((await get('?request_id=r2')).body.records.map((r) => r.timestamp)).toEqual([
      't4',
      't3',
    ]);
    expect((await get('?trace_id=T1&level=info')).body.records.map((r) => r.timestamp)).toEqual([
      't5',
      't2',
    ]);
    // @obs/logging's own levels, the ones the Logs page offers.
    expect((await get('?level=trace')).body.matched).toBe(5);
    expect((await get('?level=debug')).body.matched).toBe(5);
    expect((await get('?limit=2')).body).toMatchObject({
      matched: 5,
      records: [{ timestamp: 't5' }, { timestamp: 't4' }],
    });
  });

  it('redacts credentials, and a text search cannot find a redacted value', async () => {
    const { body } = await get('?request_id=r2');
    expect(body.records[1]).toHaveProperty('password', '[REDACTED]');
    expect(body.records[0]).toHaveProperty('headers.authorization', '[REDACTED]');
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect((await get('?q=hunter2')).body).toMatchObject({ matched: 0, records: [] });
  });

  it('answers 422 naming a bad parameter', async () => {
    for (const [query, name] of [
      ['?limit=0', 'limit'],
      ['?limit=1001', 'limit'],
      ['?limit=ten', 'limit'],
      ['?limit=2.5', 'limit'],
      ['?level=loud', 'level'],
      [`?q=${'x'.repeat(201)}`, 'q'],
    ]) {
      const { res, body } = await get(query);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(body.errors?.[0]?.path).toBe(name);
    }
  });
});

describe('GET /api/traces', () => {
  const T1 = '1'.repeat(32);
  const T2 = '2'.repeat(32);
  const spans: SpanRecord[] = [
    span({
      trace_id: T1,
      span_id: 'b',
      parent_span_id: 'a',
      name: 'db.query',
      start_ms: 1005,
      duration_ms: 3,
      status: 'error',
      attributes: { 'db.password': 'x' },
    }),
    span({
      trace_id: T1,
      span_id: 'a',
      parent_span_id: 'remote',
      name: 'GET /a',
      kind: 'server',
      start_ms: 1000,
      duration_ms: 20,
      attributes: {
        'http.request.header.x-request-id': ['req-1'],
        'http.request.header.authorization': ['Bearer s3cret'],
      },
    }),
    span({
      trace_id: T2,
      span_id: 'c',
      name: 'job',
      start_ms: 2000,
      duration_ms: 5,
      attributes: { request_id: 'req-2' },
    }),
  ];
  const app = () => mount({ traces: { records: () => spans } }).app;

  it('summarizes each trace, newest first: root name, start, duration, spans, error, request id', async () => {
    const res = await app().request('/_obs/api/traces', { headers: auth });
    expect(((await res.json()) as TracesResponse).traces).toEqual([
      {
        trace_id: T2,
        name: 'job',
        start_ms: 2000,
        duration_ms: 5,
        spans: 1,
        error: false,
        request_id: 'req-2',
      },
      {
        trace_id: T1,
        name: 'GET /a',
        start_ms: 1000,
        duration_ms: 20,
        spans: 2,
        error: true,
        request_id: 'req-1',
      },
    ]);
    const one = (await (
      await app().request('/_obs/api/traces?limit=1', { headers: auth })
    ).json()) as TracesResponse;
    expect(one.traces.map((t) => t.trace_id)).toEqual([T2]);
    expect((await app().request('/_obs/api/traces?limit=0', { headers: auth })).status).toBe(422);
  });

  it("answers one trace's spans by start, redacted; 404 when not held", async () => {
    const res = await app().request(`/_obs/api/traces/${T1}`, { headers: auth });
    const body = (await res.json()) as TraceResponse;
    expect(body.trace_id).toBe(T1);
    expect(body.spans.map((s) => s.name)).toEqual(['GET /a', 'db.query']);
    expect(body.spans[0]!.attributes['http.request.header.authorization']).toBe('[REDACTED]');
    expect(body.spans[1]!.attributes['db.password']).toBe('[REDACTED]');
    const missing = await app().request(`/_obs/api/traces/${'f'.repeat(32)}`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('GET /api/alerts', () => {
  it('answers the active alerts and the last 50 of the history, redacted', async () => {
    const history = jest.fn((_limit?: number) => Promise.resolve([alert('2', 'resolved')]));
    const { app } = mount({ alerts: { alerts: () => [alert('1', 'firing')], history } });
    const body = (await (
      await app.request('/_obs/api/alerts', { headers: auth })
    ).json()) as AlertsResponse;
    expect(history).toHaveBeenCalledWith(50);
    expect(body.active.map((a) => a.id)).toEqual(['1']);
    expect(body.history.map((a) => [a.id, a.state])).toEqual([['2', 'resolved']]);
    expect(body.active[0]!.annotations).toEqual({ summary: 'errors', webhook_token: '[REDACTED]' });
  });
});

describe('the pages', () => {
  it('redirects the mount path to its slash form (308), query kept', async () => {
    const res = await mount().app.request('/_obs?x=1');
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/_obs/?x=1');
  });

  it('serves index.html with the mount in <meta name="obs-base">, not cached without revalidation', async () => {
    const res = await mount({}, '/ops/dash').app.request('/ops/dash/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(
      '<!doctype html><html><head><meta name="obs-base" content="/ops/dash"><title>obs</title></head><body></body></html>',
    );
    const gz = await mount().app.request('/_obs/', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toContain('content="/_obs"');
    const root = await mount({}, '/').app.request('/');
    expect(await root.text()).toContain('<meta name="obs-base" content="">');
    expect((await mount().app.request('/_obs/other/')).status).toBe(404);
  });

  it('serves assets with their type, gzip when accepted, and revalidation by ETag', async () => {
    const { app } = mount();
    const plain = await app.request('/_obs/assets/app.js');
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Accept-Encoding');
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    const text = await plain.text();
    expect(text).toBe('console.log("app");'.repeat(50));
    const gz = await app.request('/_obs/assets/app.js', {
      headers: { 'accept-encoding': 'br, gzip, deflate' },
    });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(text);
    expect(gz.headers.get('etag')).not.toBe(plain.headers.get('etag'));
    const refused = await app.request('/_obs/assets/app.js', {
      headers: { 'accept-encoding': 'gzip;q=0' },
    });
    expect(refused.headers.get('content-encoding')).toBeNull();
    const again = await app.request('/_obs/assets/app.js', {
      headers: { 'if-none-match': plain.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    const css = await app.request('/_obs/assets/app.css', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('content-encoding')).toBeNull(); // no app.css.gz here
  });

  it('serves only the files in ui-dist: no path escapes it', async () => {
    const { app } = mount();
    for (const path of [
      '/_obs/assets/..%2Fpackage.json',
      '/_obs/assets/..%2F..%2Fpackage.json',
      '/_obs/assets/%2e%2e%2fpackage.json',
      '/_obs/assets/..%5Cpackage.json',
      '/_obs/assets/%2Fetc%2Fpasswd',
      '/_obs/assets/nested',
      '/_obs/assets/app.js.gz',
      '/_obs/assets/index.html',
      '/_obs/assets/missing.js',
      '/_obs/assets/app.js%00.png',
    ]) {
      const res = await app.request(path);
      expect([path, res.status]).toEqual([path, 404]);
    }
  });

  it('answers 503 naming the build command when the pages are not built', async () => {
    const { app } = mount({ assetsDir: join(uiDist, 'nope') });
    const res = await app.request('/_obs/');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toBe(
      'dashboard pages not built: run pnpm --filter @obs/dashboard build:ui',
    );
  });
});
