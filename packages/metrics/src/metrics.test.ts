import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { Counter as PromCounter, Registry } from 'prom-client';
import { setInternalErrorHandler } from '@obs/core';
import { hasPromtool, promtoolProblems, samples } from './exposition.fixture';
import { createMetrics, OPENMETRICS_CONTENT_TYPE, type MetricsOptions } from './index';

function setup(options: MetricsOptions = {}) {
  return createMetrics({
    collectDefaultMetrics: false,
    service: { name: 'api', environment: 'test' },
    ...options,
  });
}

/** Samples of one family (its name, or name_bucket/_sum/_count), as `name{labels}` → value. */
function family(text: string, name: string): Record<string, string> {
  return Object.fromEntries(
    [...samples(text)].filter(
      ([k]) => k === name || k.startsWith(`${name}{`) || k.startsWith(`${name}_`),
    ),
  );
}

/** Non-empty lines with each sample's labels in name order: the text as Prometheus reads it. */
function parsed(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) =>
      line.replace(/\{(.*)\}/, (_, labels: string) => `{${labels.split(',').sort().join(',')}}`),
    );
}

describe('createMetrics: counters, gauges, histograms', () => {
  it('exposes counters, gauges and histograms in text format that parses, with default labels', async () => {
    const metrics = setup();
    const c = metrics.counter({
      name: 'jobs_total',
      help: 'Jobs run',
      labelNames: ['job_type', 'status'],
    });
    c.inc({ job_type: 'rollup', status: 'success' });
    c.inc({ job_type: 'rollup', status: 'success' }, 2);
    c.labels('rollup', 'failed').inc();
    const g = metrics.gauge({ name: 'queue_size', help: 'Items queued' });
    g.set(7);
    g.dec(2);
    const h = metrics.histogram({
      name: 'job_seconds',
      help: 'Job time',
      labelNames: ['job_type'],
      buckets: [0.1, 1],
    });
    h.observe({ job_type: 'rollup' }, 0.05);
    h.observe({ job_type: 'rollup' }, 0.5);
    h.observe({ job_type: 'rollup' }, 5);
    const text = await metrics.metricsText();
    const d = 'service="api",environment="test"';
    expect(family(text, 'jobs_total')).toEqual({
      [`jobs_total{job_type="rollup",status="success",${d}}`]: '3',
      [`jobs_total{job_type="rollup",status="failed",${d}}`]: '1',
    });
    expect(text).toContain('# HELP jobs_total Jobs run\n# TYPE jobs_total counter\n');
    expect(family(text, 'queue_size')).toEqual({ [`queue_size{${d}}`]: '5' });
    expect(family(text, 'job_seconds')).toEqual({
      [`job_seconds_bucket{job_type="rollup",${d},le="0.1"}`]: '1',
      [`job_seconds_bucket{job_type="rollup",${d},le="1"}`]: '2',
      [`job_seconds_bucket{job_type="rollup",${d},le="+Inf"}`]: '3',
      [`job_seconds_sum{job_type="rollup",${d}}`]: '5.55',
      [`job_seconds_count{job_type="rollup",${d}}`]: '3',
    });
    if (hasPromtool) expect(promtoolProblems(text)).toBe('');
  });

  (hasPromtool ? it : it.skip)(
    'passes promtool check metrics with default process metrics on',
    async () => {
      const metrics = createMetrics({ service: { name: 'api' } });
      metrics.counter({ name: 'a_total', help: 'A', labelNames: ['x'] }).inc({ x: 'y' });
      metrics.histogram({ name: 'b_seconds', help: 'B' }).observe(0.2);
      metrics.summary({ name: 'c_seconds', help: 'C' }).observe(0.3);
      expect(promtoolProblems(await metrics.metricsText())).toBe('');
    },
  );

  it('is readable by prom-client’s own registry too (cluster, Pushgateway)', async () => {
    const metrics = setup({ defaultLabels: {} });
    metrics.counter({ name: 'hits_total', help: 'Hits' }).inc(4);
    metrics.histogram({ name: 'lat_seconds', help: 'Latency', buckets: [1] }).observe(0.5);
    const text = await metrics.registry.metrics();
    expect(text).toContain('hits_total 4');
    expect(text).toContain('lat_seconds_bucket{le="1"} 1');
    const json = await metrics.registry.getMetricsAsJSON();
    expect(json.map((m) => m.name)).toEqual(expect.arrayContaining(['hits_total', 'lat_seconds']));
  });

  it('prefixes its metrics and returns the same metric for the same name', () => {
    const metrics = setup({ prefix: 'analytics_' });
    const a = metrics.counter({ name: 'events_total', help: 'Events' });
    expect(a.name).toBe('analytics_events_total');
    expect(metrics.counter({ name: 'events_total', help: 'Events' })).toBe(a);
    expect(() => metrics.gauge({ name: 'events_total', help: 'x' })).toThrow(
      expect.objectContaining({ option: 'name' }),
    );
  });

  it('joins a prefix to names with "_" unless the prefix already ends in "_" or ":"', async () => {
    const name = (prefix: string) =>
      setup({ prefix }).counter({ name: 'requests_total', help: 'Requests' }).name;
    expect(name('berrys_agentsapi')).toBe('berrys_agentsapi_requests_total');
    expect(name('my_app_')).toBe('my_app_requests_total');
    expect(name('ns:')).toBe('ns:requests_total');
    expect(name('')).toBe('requests_total');
    const metrics = setup({ prefix: 'svc', defaultLabels: {} });
    metrics.incrementCounter('jobs_total');
    metrics.observe('job_seconds', 0.2);
    const s = samples(await metrics.metricsText());
    expect(s.get('svc_jobs_total')).toBe('1');
    expect(s.get('svc_job_seconds_count')).toBe('1');
    expect(metrics.windowStats('job_seconds')?.count).toBe(1);
  });

  it('escapes label values and help text', async () => {
    const metrics = setup({ defaultLabels: {} });
    metrics
      .counter({ name: 'odd_total', help: 'a \\ help\nwith newline', labelNames: ['v'] })
      .inc({ v: 'quote " back \\ new\nline' });
    const text = await metrics.metricsText();
    expect(text).toContain('# HELP odd_total a \\\\ help\\nwith newline');
    expect(text).toContain('odd_total{v="quote \\" back \\\\ new\\nline"} 1');
    if (hasPromtool) expect(promtoolProblems(text)).toBe('');
  });

  it('reports bad observations instead of throwing', () => {
    const reports: unknown[] = [];
    setInternalErrorHandler((e) => reports.push(e));
    try {
      const metrics = setup();
      const c = metrics.counter({ name: 'c_total', help: 'c', labelNames: ['a'] });
      expect(() => c.inc({ a: 'x' }, -1)).not.toThrow();
      expect(() => c.inc({ nope: 'x' })).not.toThrow();
      expect(() => metrics.histogram({ name: 'h', help: 'h' }).observe(NaN)).not.toThrow();
      expect(reports).toHaveLength(3);
    } finally {
      setInternalErrorHandler(undefined);
    }
  });

  it.each([
    [{ prefix: '1bad' }, 'prefix'],
    [{ maxSeriesPerMetric: 0 }, 'maxSeriesPerMetric'],
    [{ defaultLabels: { 'bad-label': 'x' } }, 'defaultLabels.bad-label'],
  ])('rejects %j naming %s', (options, option) => {
    expect(() => createMetrics(options as MetricsOptions)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', option }),
    );
  });

  it('rejects bad metric definitions with ObsConfigError', () => {
    const metrics = setup();
    expect(() => metrics.counter({ name: 'bad-name', help: 'x' })).toThrow(
      expect.objectContaining({ option: 'name' }),
    );
    expect(() => metrics.histogram({ name: 'h2', help: 'x', buckets: [1, 0.5] })).toThrow(
      expect.objectContaining({ option: 'buckets' }),
    );
    expect(() => metrics.histogram({ name: 'h3', help: 'x', labelNames: ['le'] })).toThrow(
      expect.objectContaining({ option: 'labelNames' }),
    );
  });
});

describe('cardinality guard', () => {
  it('sends new label values past the cap to one __overflow__ series, counted and reported once', async () => {
    const reports: unknown[] = [];
    setInternalErrorHandler((e) => reports.push(e));
    try {
      const metrics = setup({ maxSeriesPerMetric: 3, defaultLabels: {} });
      const c = metrics.counter({ name: 'req_total', help: 'r', labelNames: ['user'] });
      for (let i = 0; i < 10; i++) c.inc({ user: `u${i}` });
      c.inc({ user: 'u0' }); // existing series still counted normally
      expect(c.seriesCount).toBe(4);
      const text = await metrics.metricsText();
      expect(family(text, 'req_total')).toEqual({
        'req_total{user="u0"}': '2',
        'req_total{user="u1"}': '1',
        'req_total{user="u2"}': '1',
        'req_total{user="__overflow__"}': '7',
      });
      expect(family(text, 'obs_metrics_series_overflow_total')).toEqual({
        'obs_metrics_series_overflow_total{metric="req_total"}': '7',
      });
      expect(reports).toHaveLength(1);
    } finally {
      setInternalErrorHandler(undefined);
    }
  });

  it('keeps series and memory bounded under 1M distinct label values', () => {
    setInternalErrorHandler(() => undefined);
    try {
      const metrics = setup();
      const h = metrics.histogram({ name: 'flood_seconds', help: 'f', labelNames: ['id'] });
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 1_000_000; i++) h.observe({ id: `id-${i}-${Math.random()}` }, 0.01);
      global.gc?.();
      const grown = process.memoryUsage().heapUsed - before;
      expect(h.seriesCount).toBe(2001);
      // 2000 series of 12 buckets are a few MB; a million would be hundreds.
      expect(grown).toBeLessThan(64 * 1024 * 1024);
    } finally {
      setInternalErrorHandler(undefined);
    }
  });
});

describe('enabled: false (seed 003’s configure_metrics)', () => {
  it('records nothing, exposes nothing, and makes the middleware and server no-ops', async () => {
    const metrics = createMetrics({ enabled: false });
    const c = metrics.counter({ name: 'c_total', help: 'c', labelNames: ['k'] });
    for (let i = 0; i < 10_000; i++) c.inc({ k: `v${i}` });
    metrics.incrementCounter('d_total', { a: 'b' });
    metrics.observe('e_seconds', 1);
    expect(c.seriesCount).toBe(0);
    expect(await metrics.metricsText()).toBe('');
    expect(await metrics.registry.metrics()).not.toContain('c_total{');
    const { startMetricsServer } = await import('./server');
    const server = await startMetricsServer({ metrics, port: 0 });
    expect(server.url).toBe('');
    await server.close();
  });

  it('leaves no metric family in the registry, only what the team registered on a shared one', async () => {
    const own = createMetrics({ enabled: false });
    own.counter({ name: 'c_total', help: 'c' }).inc();
    own.observe('e_seconds', 1);
    expect((await own.registry.metrics()).trim()).toBe('');
    const registry = new Registry();
    new PromCounter({ name: 'team_total', help: 'Team', registers: [registry] }).inc();
    const shared = createMetrics({ registry, enabled: false });
    shared.counter({ name: 'c_total', help: 'c' }).inc();
    shared.setGauge('g', 1);
    for (const text of [await registry.metrics(), await shared.metricsText()])
      expect(parsed(text)).toEqual([
        '# HELP team_total Team',
        '# TYPE team_total counter',
        'team_total 1',
      ]);
  });

  it('and after shutdown() the shared registry holds the team’s metric, not ours of that name', async () => {
    const registry = new Registry();
    new PromCounter({ name: 'c_total', help: 'Team', registers: [registry] }).inc();
    const shared = createMetrics({ registry, enabled: false });
    shared.counter({ name: 'c_total', help: 'c' }).inc();
    shared.reset();
    await shared.shutdown();
    expect(parsed(await registry.metrics())).toEqual([
      '# HELP c_total Team',
      '# TYPE c_total counter',
      'c_total 1',
    ]);
  });

  it('can be switched off with METRICS_ENABLED=false', async () => {
    const saved = process.env.METRICS_ENABLED;
    process.env.METRICS_ENABLED = 'false';
    try {
      const metrics = createMetrics();
      metrics.counter({ name: 'x_total', help: 'x' }).inc();
      expect(await metrics.metricsText()).toBe('');
    } finally {
      if (saved === undefined) delete process.env.METRICS_ENABLED;
      else process.env.METRICS_ENABLED = saved;
    }
  });
});

describe('helpers (seed 003)', () => {
  it('create metrics on first use and time sync and async work', async () => {
    const metrics = setup({ defaultLabels: {} });
    metrics.incrementCounter('logins_total', { method: 'password' });
    metrics.incrementCounter('logins_total', { method: 'password' }, 2);
    metrics.setGauge('temperature', 21.5, { room: 'a' });
    metrics.observe('payload_bytes', 512);
    const value = metrics.recordTimer('sync_seconds')(() => 42);
    const asyncValue = await metrics.recordTimer('async_seconds', { kind: 'db' })(() =>
      Promise.resolve('done'),
    );
    await expect(
      metrics.recordTimer('failing_seconds')(() => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x');
    const end = metrics.timer('manual_seconds');
    expect(end()).toBeGreaterThanOrEqual(0);
    expect([value, asyncValue]).toEqual([42, 'done']);
    const text = await metrics.metricsText();
    expect(family(text, 'logins_total')).toEqual({ 'logins_total{method="password"}': '3' });
    expect(family(text, 'temperature')).toEqual({ 'temperature{room="a"}': '21.5' });
    for (const name of ['sync_seconds', 'failing_seconds', 'manual_seconds', 'payload_bytes']) {
      expect(samples(text).get(`${name}_count`)).toBe('1');
    }
    expect(samples(text).get('async_seconds_count{kind="db"}')).toBe('1');
  });

  it('observe() counts a *_bytes histogram into size buckets, and takes buckets of its own', async () => {
    const metrics = setup({ defaultLabels: {} });
    metrics.observe('response_size_bytes', 1024);
    metrics.observe('queue_depth', 7, {}, { buckets: [5, 10] });
    const s = samples(await metrics.metricsText());
    expect(s.get('response_size_bytes_bucket{le="1000"}')).toBe('0');
    expect(s.get('response_size_bytes_bucket{le="10000"}')).toBe('1');
    expect(s.get('queue_depth_bucket{le="5"}')).toBe('0');
    expect(s.get('queue_depth_bucket{le="10"}')).toBe('1');
  });

  it('summarizes a timer over the recent window', () => {
    const metrics = setup();
    for (const seconds of [0.1, 0.2, 0.3, 0.4])
      metrics.observe('step_seconds', seconds, { step: 'load' });
    metrics.observe('step_seconds', 1, { step: 'save' });
    expect(metrics.windowStats('step_seconds')).toMatchObject({
      count: 5,
      min: 0.1,
      max: 1,
      median: 0.3,
    });
    expect(metrics.windowStats('step_seconds')!.mean).toBeCloseTo(0.4);
    expect(metrics.windowStats('no_such_timer')).toBeUndefined();
  });

  it('keeps no window for a histogram made with window: false', async () => {
    const metrics = setup();
    metrics.histogram({ name: 'payload_bytes', help: 'Payload sizes.', window: false }).observe(9);
    expect(metrics.windowStats('payload_bytes')).toBeUndefined();
    const counts = [...samples(await metrics.metricsText())].filter(([series]) =>
      series.startsWith('payload_bytes_count'),
    );
    expect(counts.map(([, value]) => value)).toEqual(['1']);
  });

  it('writes info metrics and resets everything', async () => {
    const metrics = setup({ defaultLabels: {} });
    metrics.info('build_info', 'Build', { version: '1.2.3', commit: 'abc' });
    expect(await metrics.metricsText()).toContain('build_info{version="1.2.3",commit="abc"} 1');
    metrics.reset();
    expect(await metrics.metricsText()).not.toContain('build_info{');
  });

  it('guards summaries too', async () => {
    setInternalErrorHandler(() => undefined);
    try {
      const metrics = setup({ maxSeriesPerMetric: 2, defaultLabels: {} });
      const s = metrics.summary({ name: 'rt', help: 'rt', labelNames: ['k'], percentiles: [0.5] });
      for (let i = 0; i < 5; i++) s.observe({ k: `v${i}` }, i);
      const text = await metrics.metricsText();
      expect([...samples(text).keys()].filter((k) => k.startsWith('rt_count'))).toEqual([
        'rt_count{k="v0"}',
        'rt_count{k="v1"}',
        'rt_count{k="__overflow__"}',
      ]);
    } finally {
      setInternalErrorHandler(undefined);
    }
  });
});

describe('default labels', () => {
  it('are the same in registry.metrics() and metricsText(), and only on our metrics on a shared registry', async () => {
    const fill = (metrics: ReturnType<typeof setup>) => {
      metrics
        .counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['kind'] })
        .inc({ kind: 'a' });
      metrics.gauge({ name: 'queue_size', help: 'Queued' }).set(2);
      metrics.histogram({ name: 'job_seconds', help: 'Job time', buckets: [1] }).observe(0.5);
      metrics.summary({ name: 'job_items', help: 'Items', percentiles: [0.5] }).observe(3);
    };
    const own = setup();
    fill(own);
    expect(parsed(await own.metricsText())).toEqual(parsed(await own.registry.metrics()));
    expect(
      samples(await own.metricsText()).get('queue_size{service="api",environment="test"}'),
    ).toBe('2');

    const registry = new Registry();
    registry.setDefaultLabels({ region: 'eu' });
    new PromCounter({ name: 'team_total', help: 'Team', registers: [registry] }).inc();
    const shared = setup({ registry });
    fill(shared);
    const text = await shared.metricsText();
    expect(parsed(text)).toEqual(parsed(await registry.metrics()));
    const s = samples(text);
    expect(s.get('team_total{region="eu"}')).toBe('1');
    expect(s.get('queue_size{service="api",environment="test",region="eu"}')).toBe('2');
  });
});

describe('exemplars', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });

  it('attach the sampled trace id in OpenMetrics output, never in text 0.0.4', async () => {
    const metrics = setup({ defaultLabels: {} });
    const h = metrics.histogram({ name: 'work_seconds', help: 'w', buckets: [0.1, 1] });
    const tracer = new TracerProvider().getTracer('t');
    let traceId = '';
    tracer.startActiveSpan('op', (span) => {
      traceId = span.spanContext().traceId;
      h.observe(0.5);
      span.end();
    });
    const unsampled = new TracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('t');
    unsampled.startActiveSpan('op', (span) => {
      h.observe(0.05);
      span.end();
    });
    const om = await metrics.metricsText(OPENMETRICS_CONTENT_TYPE);
    expect(om).toMatch(
      new RegExp(
        `work_seconds_bucket\\{le="1"\\} 2 # \\{trace_id="${traceId}"\\} 0\\.5 \\d+\\.\\d{3}\\n`,
      ),
    );
    expect(om).toContain('work_seconds_bucket{le="0.1"} 1\n');
    expect(om.endsWith('# EOF\n')).toBe(true);
    const text = await metrics.metricsText();
    expect(text).not.toContain('trace_id');
    if (hasPromtool) expect(promtoolProblems(text)).toBe('');
  });

  it('name counter families without _total in OpenMetrics', async () => {
    const metrics = setup({ defaultLabels: {} });
    metrics.counter({ name: 'hits_total', help: 'h' }).inc();
    const om = await metrics.metricsText(OPENMETRICS_CONTENT_TYPE);
    expect(om).toContain('# TYPE hits counter\nhits_total 1\n');
  });
});

describe('defaultLabels', () => {
  it('refuses names reserved for buckets, quantiles and Prometheus itself', () => {
    for (const name of ['le', 'quantile', '__name__'])
      expect(() =>
        createMetrics({ collectDefaultMetrics: false, defaultLabels: { [name]: 'x' } }),
      ).toThrow(expect.objectContaining({ option: expect.stringMatching(/^defaultLabels/) }));
  });
});
