// prom-client is the reference: the same calls, made on a prom-client metric and on ours, leave
// the same samples in `get()`. Where prom-client throws (a wrong label, a bad value), ours reports
// through core's internal-error handler and records nothing: the state still matches.
// The calls are made through one untyped function on both libraries, on purpose (wrong labels
// and values included):
/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as prom from 'prom-client';
import { setInternalErrorHandler } from '@obs/core';
import { createMetrics, type Metrics } from './index';

/** A small seeded PRNG (mulberry32), so that a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sample {
  labels: Record<string, unknown>;
  value: number;
  metricName?: string;
}

/**
 * Samples comparable across the two: label values as strings, a label left out the same as an
 * empty one (as Prometheus reads them), sorted.
 */
function normalize(values: Sample[]): { key: string; value: number }[] {
  return values
    .map((v) => {
      const labels = Object.entries(v.labels)
        .map(([k, val]) => [k, String(val)])
        .filter(([, val]) => val !== '')
        .sort(([a], [b]) => (a! < b! ? -1 : 1));
      return { key: `${v.metricName ?? ''}${JSON.stringify(labels)}`, value: v.value };
    })
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

async function expectSameSamples(
  ours: { get(): Promise<{ values: Sample[] }> },
  theirs: { get(): Promise<{ values: unknown[] }> },
  trail: string[],
): Promise<void> {
  const a = normalize((await ours.get()).values);
  const b = normalize((await theirs.get()).values as Sample[]);
  const context = `after: ${trail.join('; ')}`;
  expect({ context, keys: a.map((s) => s.key) }).toEqual({ context, keys: b.map((s) => s.key) });
  a.forEach((s, i) => {
    const expected = b[i]!.value;
    // Timers: prom-client reads process.hrtime, ours performance.now(); the last bits may differ.
    const close =
      s.value === expected ||
      (Number.isNaN(s.value) && Number.isNaN(expected)) ||
      Math.abs(s.value - expected) <= 1e-12 * Math.abs(expected);
    if (!close) throw new Error(`${s.key}: ${s.value}, prom-client ${expected} ${context}`);
  });
}

type Call = (metric: any) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Runs a call on prom-client's metric and on ours: both throw-free after, or prom-client threw. */
function both(theirs: unknown, ours: unknown, call: Call, reported: unknown[]): void {
  let threw = false;
  try {
    call(theirs);
  } catch {
    threw = true;
  }
  const before = reported.length;
  call(ours); // never throws
  // Where prom-client refuses a call, ours says so.
  if (threw) expect(reported.length).toBeGreaterThan(before);
}

const VALUES = ['x', 'y', 'z'];
const LABEL_NAMES = ['route', 'status'];

function pick(rnd: () => number): string | number {
  return rnd() < 0.2 ? 200 : VALUES[Math.floor(rnd() * VALUES.length)]!;
}

/** A labels object: complete, partial, or with an unknown label. */
function labelObject(rnd: () => number): Record<string, string | number> {
  const r = rnd();
  if (r < 0.75) return { route: pick(rnd), status: pick(rnd) };
  if (r < 0.9) return { route: pick(rnd) };
  return { route: pick(rnd), method: 'GET' }; // an unknown label
}

/** What `labels()` and `remove()` take: values in order (sometimes too few), or one object. */
function labelArgs(rnd: () => number): unknown[] {
  const r = rnd();
  if (r < 0.4) return [pick(rnd), pick(rnd)];
  if (r < 0.9) return [labelObject(rnd)];
  return [pick(rnd)]; // too few values
}

/** A value to record; `NaN` only where prom-client refuses it (it adds NaN to a counter). */
function amount(rnd: () => number, nan = true): number {
  const r = rnd();
  if (r < 0.05) return -1;
  if (r < 0.08) return nan ? NaN : -2;
  if (r < 0.1) return Infinity;
  if (r < 0.2) return 0;
  return [0.001, 0.005, 0.1, 0.25, 1, 2.5, 7, 10, 11, 1000][Math.floor(rnd() * 10)]!;
}

let reported: unknown[] = [];
let metrics: Metrics;
beforeEach(() => {
  reported = [];
  setInternalErrorHandler((err) => reported.push(err));
  metrics = createMetrics({ collectDefaultMetrics: false, exemplars: false, defaultLabels: {} });
  jest.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
  setInternalErrorHandler(undefined);
});

const SEQUENCES = 60;
const STEPS = 40;

/** What one step may use: label arguments, a labels object (or none), a value, a duration. */
interface Step {
  r: number;
  args: unknown[];
  own: unknown[];
  value: number;
  ms: number;
  labelled: boolean;
}

type Metric = { get(): Promise<{ values: Sample[] }> };

/** A timer started, `ms` of fake time, and ended. */
const timed =
  (start: Call, ms: number): Call =>
  (m) => {
    const end = start(m) as () => number;
    jest.advanceTimersByTime(ms);
    end();
  };

/**
 * Runs SEQUENCES seeded sequences of STEPS calls on a prom-client metric and on ours (a quarter
 * without labels), comparing the samples after every call.
 */
async function differential(
  seedBase: number,
  make: (seed: number, labelNames: string[]) => { theirs: unknown; ours: Metric },
  choose: (step: Step) => Call,
  nan = true,
): Promise<void> {
  for (let seed = 1; seed <= SEQUENCES; seed++) {
    const rnd = random(seedBase + seed);
    const labelled = seed % 4 !== 0;
    const { theirs, ours } = make(seed, labelled ? LABEL_NAMES : []);
    const trail: string[] = [];
    for (let i = 0; i < STEPS; i++) {
      const step: Step = {
        r: rnd(),
        args: labelled ? labelArgs(rnd) : [],
        value: amount(rnd, nan),
        own: labelled ? [labelObject(rnd)] : [],
        ms: Math.floor(rnd() * 3000),
        labelled,
      };
      const call = choose(step);
      trail.push(`${call.toString()} ${JSON.stringify({ ...step, r: undefined })}`);
      both(theirs, ours, call, reported);
      await expectSameSamples(ours, theirs as Metric, trail);
    }
  }
}

describe('differential: the same calls on prom-client 15 and on @obs/metrics', () => {
  it(`counters: ${SEQUENCES} random sequences of inc, labels, remove and reset agree`, async () => {
    await differential(
      0,
      (seed, labelNames) => {
        const config = { name: `c${seed}_total`, help: 'c', labelNames };
        return {
          theirs: new prom.Counter({ ...config, registers: [] }),
          ours: metrics.counter(config),
        };
      },
      ({ r, args, own, value }) => {
        if (r < 0.25) return (m) => m.inc(...own, value);
        if (r < 0.35) return (m) => m.inc(...own);
        if (r < 0.45) return (m) => m.inc(value);
        if (r < 0.75) return (m) => m.labels(...args).inc(value);
        if (r < 0.9) return (m) => m.remove(...args);
        return (m) => m.reset();
      },
      false,
    );
  });

  it(`gauges: ${SEQUENCES} random sequences of set, inc, dec, timers, labels, remove and reset agree`, async () => {
    await differential(
      1000,
      (seed, labelNames) => {
        const config = { name: `g${seed}`, help: 'g', labelNames };
        return {
          theirs: new prom.Gauge({ ...config, registers: [] }),
          ours: metrics.gauge(config),
        };
      },
      ({ r, args, own, value: magnitude, ms }) => {
        const value = (r * 1000) % 2 < 1 ? -magnitude : magnitude;
        if (r < 0.15) return (m) => m.set(...own, value);
        if (r < 0.25) return (m) => m.inc(...own, value);
        if (r < 0.35) return (m) => m.dec(...own, value);
        if (r < 0.4) return (m) => m.setToCurrentTime(...own);
        if (r < 0.5) return timed((m) => m.startTimer(...own), ms);
        if (r < 0.6) return (m) => m.labels(...args).set(value);
        if (r < 0.65) return (m) => m.labels(...args).inc();
        if (r < 0.7) return (m) => m.labels(...args).dec(value);
        if (r < 0.75) return (m) => m.labels(...args).setToCurrentTime();
        if (r < 0.82) return timed((m) => m.labels(...args).startTimer(), ms);
        if (r < 0.92) return (m) => m.remove(...args);
        return (m) => m.reset();
      },
    );
  });

  it(`histograms: ${SEQUENCES} random sequences of observe, timers, zero, labels, remove and reset agree`, async () => {
    await differential(
      2000,
      (seed, labelNames) => {
        const buckets = seed % 2 ? [0.005, 0.1, 1, 10] : undefined;
        const config = {
          name: `h${seed}_seconds`,
          help: 'h',
          labelNames,
          ...(buckets && { buckets }),
        };
        return {
          theirs: new prom.Histogram({ ...config, registers: [] }),
          ours: metrics.histogram(config),
        };
      },
      ({ r, args, own, value, ms, labelled }) => {
        if (r < 0.3) return (m) => m.observe(...own, value);
        if (r < 0.4) return timed((m) => m.startTimer(...own), ms);
        if (r < 0.6) return (m) => m.labels(...args).observe(value);
        if (r < 0.7) return timed((m) => m.labels(...args).startTimer(), ms);
        // prom-client's zero() takes an unknown label without a word (its other methods refuse
        // one); ours reports it: only known labels here.
        if (r < 0.78)
          return (m) => m.zero(labelled ? { route: (own[0] as { route: string }).route } : {});
        if (r < 0.9) return (m) => m.remove(...args);
        // prom-client's Histogram.reset() drops the one series of a histogram without labels
        // (its Counter and Gauge keep it at 0); ours keeps it, which zero() restores there.
        return (m) => {
          m.reset();
          if (!labelled) m.zero({});
        };
      },
    );
  });

  it(`summaries: ${SEQUENCES} random sequences of observe, timers, labels, remove and reset agree`, async () => {
    await differential(
      3000,
      (seed, labelNames) => {
        const config = {
          name: `s${seed}_seconds`,
          help: 's',
          labelNames,
          percentiles: [0.5, 0.9, 0.99],
        };
        return {
          theirs: new prom.Summary({ ...config, registers: [] }),
          ours: metrics.summary(config),
        };
      },
      ({ r, args, own, value, ms }) => {
        if (r < 0.35) return (m) => m.observe(...own, value);
        if (r < 0.45) return timed((m) => m.startTimer(...own), ms);
        if (r < 0.7) return (m) => m.labels(...args).observe(value);
        if (r < 0.78) return timed((m) => m.labels(...args).startTimer(), ms);
        if (r < 0.9) return (m) => m.remove(...args);
        return (m) => m.reset();
      },
    );
  });
});

/** `name{labels}` → value of the exposition text. */
async function exposed(m: Metrics, openMetrics = false): Promise<string> {
  return m.metricsText(openMetrics ? 'application/openmetrics-text' : undefined);
}

/**
 * Two createMetrics() on one registry, a series cap of 1, no default labels (on a shared registry
 * our metrics would carry them).
 */
function twoOnOneRegistry() {
  const registry = new prom.Registry();
  const options = {
    registry,
    collectDefaultMetrics: false,
    maxSeriesPerMetric: 1,
    defaultLabels: {},
  };
  return { registry, a: createMetrics(options), b: createMetrics(options) };
}

describe("prom-client's documented API, on @obs/metrics", () => {
  it('labels() takes one object as well as values in order, on every metric and its children', async () => {
    const requests = metrics.counter({
      name: 'req_total',
      help: 'r',
      labelNames: ['method', 'endpoint'],
    });
    requests.labels({ method: 'POST', endpoint: '/x' }).inc();
    requests.labels('GET', '/y').inc(2);
    const text = await exposed(metrics);
    expect(text).toContain('req_total{method="POST",endpoint="/x"} 1');
    expect(text).toContain('req_total{method="GET",endpoint="/y"} 2');
    expect(text).not.toContain('[object Object]');
  });

  it('too few label values are reported and record nothing, never written as "undefined"', async () => {
    const requests = metrics.counter({ name: 'few_total', help: 'f', labelNames: ['a', 'b'] });
    requests.labels('only-a').inc();
    expect(reported.map(String)).toEqual([
      'Error: few_total: expected 2 label values (a, b), got 1',
    ]);
    expect(await exposed(metrics)).not.toContain('few_total{');
  });

  it('remove() takes a series out; zero() creates one at 0; children follow both', async () => {
    const jobs = metrics.counter({ name: 'jobs_total', help: 'j', labelNames: ['kind'] });
    const rollup = jobs.labels('rollup');
    rollup.inc(3);
    jobs.remove('rollup');
    expect(await exposed(metrics)).not.toContain('jobs_total{kind="rollup"}');
    rollup.inc(); // the child counts into a new series, not into the removed one
    expect(await exposed(metrics)).toContain('jobs_total{kind="rollup"} 1');
    jobs.remove({ kind: 'rollup' });
    jobs.zero({ kind: 'export' });
    const text = await exposed(metrics);
    expect(text).toContain('jobs_total{kind="export"} 0');
    expect(text).not.toContain('kind="rollup"');
  });

  it('metrics without labels are exposed at 0 from the start and after reset()', async () => {
    metrics.counter({ name: 'boots_total', help: 'b' });
    metrics.gauge({ name: 'queue', help: 'q' }).set(4);
    metrics.histogram({ name: 'lat_seconds', help: 'l', buckets: [1] }).observe(0.5);
    metrics.summary({ name: 'sz', help: 's', percentiles: [0.5] });
    let text = await exposed(metrics);
    expect(text).toContain('boots_total 0');
    expect(text).toContain('sz_count 0');
    metrics.reset();
    text = await exposed(metrics);
    expect(text).toContain('boots_total 0');
    expect(text).toContain('queue 0');
    expect(text).toContain('lat_seconds_bucket{le="+Inf"} 0');
    expect(text).toContain('lat_seconds_count 0');
  });

  it("gauge children set the current time and time; the gauge's timer takes the end labels", async () => {
    const g = metrics.gauge({ name: 'g_seconds', help: 'g', labelNames: ['job', 'result'] });
    const child = g.labels({ job: 'a', result: 'ok' });
    child.setToCurrentTime();
    expect(await exposed(metrics)).toContain('g_seconds{job="a",result="ok"} 1700000000\n');
    const end = child.startTimer();
    jest.advanceTimersByTime(1500);
    expect(end()).toBe(1.5);
    const timer = g.startTimer({ job: 'b' });
    jest.advanceTimersByTime(250);
    timer({ result: 'failed' });
    const text = await exposed(metrics);
    expect(text).toContain('g_seconds{job="a",result="ok"} 1.5');
    expect(text).toContain('g_seconds{job="b",result="failed"} 0.25');
  });

  it('histogram and summary children time; timers merge start and end labels', async () => {
    const h = metrics.histogram({ name: 'h_s', help: 'h', labelNames: ['op'], buckets: [1] });
    const end = h.labels('read').startTimer();
    jest.advanceTimersByTime(2000);
    end();
    const s = metrics.summary({ name: 's_s', help: 's', labelNames: ['op', 'ok'] });
    const done = s.startTimer({ op: 'write' });
    jest.advanceTimersByTime(500);
    done({ ok: 'yes' });
    s.labels({ op: 'read', ok: 'no' }).observe(1);
    const text = await exposed(metrics);
    expect(text).toContain('h_s_bucket{op="read",le="+Inf"} 1');
    expect(text).toContain('h_s_sum{op="read"} 2');
    expect(text).toMatch(/s_s_sum\{[^}]*op="write"[^}]*\} 0\.5/);
    expect(text).toMatch(/s_s_count\{[^}]*op="read"[^}]*\} 1/);
  });

  it('the exemplar API: inc() and observe() with { labels, value, exemplarLabels }, in OpenMetrics', async () => {
    const c = metrics.counter({
      name: 'paid_total',
      help: 'p',
      labelNames: ['plan'],
      enableExemplars: true,
    });
    c.inc({ labels: { plan: 'pro' }, value: 2, exemplarLabels: { trace_id: 'abc' } });
    const h = metrics.histogram({
      name: 'pay_seconds',
      help: 'p',
      buckets: [1],
      enableExemplars: true,
    });
    h.observe({ value: 0.5, exemplarLabels: { trace_id: 'def' } });
    const end = h.startTimer({}, { trace_id: 'ghi' });
    jest.advanceTimersByTime(3000);
    end();
    const text = await exposed(metrics, true);
    expect(text).toContain('paid_total{plan="pro"} 2 # {trace_id="abc"} 2 1700000000.000');
    expect(text).toContain('pay_seconds_bucket{le="1"} 1 # {trace_id="def"} 0.5 1700000000.000');
    expect(text).toContain('pay_seconds_bucket{le="+Inf"} 2 # {trace_id="ghi"} 3 1700000003.000');
    // The text format 0.0.4 has no exemplars.
    expect(await exposed(metrics)).not.toContain('# {');
  });

  it('the summary is a registry citizen: registry.resetMetrics() resets it with the rest', async () => {
    const s = metrics.summary({ name: 'rs', help: 'r', percentiles: [0.5] });
    const c = metrics.counter({ name: 'rc_total', help: 'r' });
    s.observe(3);
    c.inc(2);
    metrics.registry.resetMetrics();
    const text = await exposed(metrics);
    expect(text).toContain('rs_count 0');
    expect(text).toContain('rc_total 0');
    expect(reported).toEqual([]);
  });

  it('a summary at the series cap reports it once and counts into __overflow__', async () => {
    const capped = createMetrics({
      collectDefaultMetrics: false,
      defaultLabels: {},
      maxSeriesPerMetric: 2,
    });
    const s = capped.summary({ name: 'cap', help: 'c', labelNames: ['k'], percentiles: [0.5] });
    for (const k of ['a', 'b', 'c', 'd']) s.observe({ k }, 1);
    expect(reported.map(String)).toEqual([
      'Error: cap reached 2 series; further label values go to the __overflow__ series',
    ]);
    const text = await exposed(capped);
    expect(text).toMatch(/cap_count\{[^}]*k="__overflow__"[^}]*\} 2/);
    expect(text).toMatch(/obs_metrics_series_overflow_total\{[^}]*metric="cap"[^}]*\} 2/);
  });

  it('a second createMetrics() on a shared registry works, with one overflow counter', async () => {
    const { registry, a, b } = twoOnOneRegistry();
    const ca = a.counter({ name: 'a_total', help: 'a', labelNames: ['k'] });
    const cb = b.counter({ name: 'b_total', help: 'b', labelNames: ['k'] });
    for (const k of ['x', 'y']) {
      ca.inc({ k });
      cb.inc({ k });
    }
    const text = await registry.metrics();
    expect(text).toContain('obs_metrics_series_overflow_total{metric="a_total"} 1');
    expect(text).toContain('obs_metrics_series_overflow_total{metric="b_total"} 1');
  });

  it('two createMetrics() with default metrics share one registry; the last shutdown() leaves only the team’s', async () => {
    const registry = new prom.Registry();
    // A team gauge named like a counter: ours drop prom-client's three such gauges, not theirs.
    new prom.Gauge({ name: 'team_jobs_total', help: 'Jobs', registers: [registry] }).set(3);
    const a = createMetrics({ registry, service: { name: 'a' } });
    const b = createMetrics({ registry, service: { name: 'b' } });
    const names = () => registry.getMetricsAsArray().map((m) => m.name);
    expect(names()).toEqual(
      expect.arrayContaining([
        'team_jobs_total',
        'process_cpu_user_seconds_total',
        'system_load_average',
      ]),
    );
    expect(names()).not.toContain('nodejs_active_handles_total');
    await a.shutdown();
    expect(names()).toContain('process_cpu_user_seconds_total'); // b still uses them
    await b.shutdown();
    expect(names()).toEqual(['team_jobs_total']);
  });
});

describe('children, timers, summaries and shared registries, past the differential', () => {
  it('gauge.set(labels) without a value is reported and sets nothing', async () => {
    const g = metrics.gauge({ name: 'nv', help: 'n', labelNames: ['k'] });
    (g.set as unknown as (labels: object) => void)({ k: 'a' });
    expect(reported).toHaveLength(1);
    expect(await exposed(metrics)).not.toContain('nv{');
  });

  it("a child's timer takes the end labels, as prom-client's does", async () => {
    const h = metrics.histogram({
      name: 'ct_s',
      help: 'c',
      labelNames: ['method', 'status'],
      buckets: [1],
    });
    const g = metrics.gauge({ name: 'ct_g', help: 'c', labelNames: ['method', 'status'] });
    const endH = h.labels({ method: 'GET' }).startTimer();
    const endG = g.labels({ method: 'GET' }).startTimer();
    jest.advanceTimersByTime(500);
    endH({ status: '200' });
    endG({ status: '200' });
    const text = await exposed(metrics);
    expect(text).toContain('ct_s_count{method="GET",status="200"} 1');
    expect(text).toContain('ct_g{method="GET",status="200"} 0.5');
  });

  it('a summary checks a call before its cap: bad calls take no place, timers go through the guard', async () => {
    const capped = createMetrics({
      collectDefaultMetrics: false,
      defaultLabels: {},
      maxSeriesPerMetric: 2,
    });
    const s = capped.summary({ name: 'sc', help: 's', labelNames: ['k'], percentiles: [0.5] });
    s.observe({ k: 'a' }, NaN);
    s.observe({ k: 'b', bogus: 'x' }, 1);
    s.observe({ k: {} as never }, 1);
    expect(reported).toHaveLength(3);
    s.observe({ k: 'c' }, 1);
    const end = s.startTimer({ k: 'd' });
    end();
    s.startTimer({ k: 'e' })();
    const text = await exposed(capped);
    expect(text).toMatch(/sc_count\{k="c"\} 1/);
    expect(text).toMatch(/sc_count\{k="d"\} 1/);
    expect(text).toMatch(/sc_count\{k="__overflow__"\} 1/);
    expect(text).not.toContain('object Object');
  });

  it('empty exemplar labels write no exemplar (prom-client skips them too)', async () => {
    const c = metrics.counter({ name: 'ee_total', help: 'e', enableExemplars: true });
    const h = metrics.histogram({ name: 'ee_s', help: 'e', buckets: [1], enableExemplars: true });
    c.inc({ value: 1, exemplarLabels: {} });
    h.observe({ value: 0.5, exemplarLabels: {} });
    expect(await exposed(metrics, true)).not.toContain('# {}');
  });

  it('the shared overflow counter outlives the first createMetrics() to shut down', async () => {
    const { registry, a, b } = twoOnOneRegistry();
    await a.shutdown();
    const cb = b.counter({ name: 'late_total', help: 'l', labelNames: ['k'] });
    cb.inc({ k: 'x' });
    cb.inc({ k: 'y' });
    expect(await registry.metrics()).toContain(
      'obs_metrics_series_overflow_total{metric="late_total"} 1',
    );
    await b.shutdown();
    expect((await registry.metrics()).trim()).toBe('');
  });
});

describe('where the guards differ from prom-client (the README lists each)', () => {
  it('a counter refuses NaN (prom-client adds it, and the counter stays NaN)', async () => {
    const theirs = new prom.Counter({ name: 'n_total', help: 'n', registers: [] });
    theirs.inc(NaN);
    expect((await theirs.get()).values[0]!.value).toBeNaN();
    const ours = metrics.counter({ name: 'n_total', help: 'n' });
    ours.inc(NaN);
    expect(reported).toHaveLength(1);
    expect(await exposed(metrics)).toContain('n_total 0');
  });

  it('a decrease, a bad value or a wrong label is reported, not thrown', () => {
    const c = metrics.counter({ name: 'd_total', help: 'd', labelNames: ['k'] });
    const theirs = new prom.Counter({
      name: 'd_total',
      help: 'd',
      labelNames: ['k'],
      registers: [],
    });
    expect(() => theirs.inc({ k: 'a' }, -1)).toThrow('It is not possible to decrease a counter');
    expect(() => c.inc({ k: 'a' }, -1)).not.toThrow();
    expect(() => c.inc({ nope: 'a' })).not.toThrow();
    expect(() => metrics.histogram({ name: 'dh', help: 'd' }).observe(Infinity)).not.toThrow();
    expect(reported).toHaveLength(3);
  });

  it("zero() refuses an unknown label (prom-client's creates a series with it)", async () => {
    const h = metrics.histogram({ name: 'z_s', help: 'z', labelNames: ['k'], buckets: [1] });
    h.zero({ k: 'a', other: 'b' });
    expect(reported).toHaveLength(1);
    expect(await exposed(metrics)).not.toContain('z_s_count{');
  });

  it('inc(5) on a counter made with enableExemplars adds 5 (prom-client adds 1)', async () => {
    const config = { name: 'e_total', help: 'e', enableExemplars: true };
    const theirs = new prom.Counter({ ...config, registers: [] });
    theirs.inc(5 as never);
    expect((await theirs.get()).values[0]!.value).toBe(1);
    metrics.counter(config).inc(5);
    expect(await exposed(metrics)).toContain('e_total 5');
  });

  it('a label value that is an object is reported (prom-client writes "[object Object]")', async () => {
    const c = metrics.counter({ name: 'o_total', help: 'o', labelNames: ['k'] });
    c.inc({ k: {} as never });
    c.labels({ k: [] as never }).inc();
    expect(reported.map(String)).toEqual([
      'Error: a label value must be a string or a number, received object',
      'Error: a label value must be a string or a number, received an array',
    ]);
    expect(await exposed(metrics)).not.toContain('o_total{');
  });
});
