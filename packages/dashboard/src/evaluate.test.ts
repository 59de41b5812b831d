import { describe, expect, it } from '@jest/globals';
import { quantile, rate, ratio, value, type Query } from './definition';
import { Evaluator, histogramQuantile, type Vector } from './evaluate';
import { MetricHistory } from './history';
import type { MetricSample } from './sources';

/** One-second ticks; `rate` and `quantile` over 4 s (4 intervals, 5 samples). */
function setup() {
  const history = new MetricHistory(1000, 60_000);
  const evaluator = new Evaluator(history, 1000);
  let t = 1_700_000_000_000;
  return {
    history,
    tick(samples: MetricSample[]) {
      history.ingest(t, samples);
      t += 1000;
    },
    eval(query: Query, windowMs = 4000): Record<string, number> {
      const out: Record<string, number> = {};
      const result: Vector = evaluator.evaluate(evaluator.compile(query, windowMs));
      for (const { labels, value: v } of result.values())
        out[Object.values(labels).join(',') || '-'] = v;
      return out;
    },
  };
}

const s = (name: string, labels: Record<string, string>, v: number): MetricSample => ({
  name,
  labels,
  value: v,
});

describe('rate', () => {
  it('is the per-second increase over the window, across a counter reset', () => {
    const d = setup();
    // 0 → 10 → 20 → (restart) 5 → 15: increases 10 + 10 + 5 + 10 = 35 over 4 s.
    for (const v of [0, 10, 20, 5, 15]) d.tick([s('jobs_total', {}, v)]);
    expect(d.eval(rate('jobs_total'))).toEqual({ '-': 35 / 4 });
  });

  it('only reads the window: older increases are out of it', () => {
    const d = setup();
    for (const v of [0, 1000, 1000, 1000, 1000, 1008]) d.tick([s('jobs_total', {}, v)]);
    expect(d.eval(rate('jobs_total'))).toEqual({ '-': 2 });
  });

  it('counts a counter that appears after the first sample from 0', () => {
    const d = setup();
    d.tick([s('a_total', {}, 1)]);
    d.tick([s('a_total', {}, 1), s('jobs_total', { k: 'new' }, 3)]);
    expect(d.eval(rate('jobs_total', { by: ['k'] }))).toEqual({ new: 3 });
  });

  it('gives nothing before two samples', () => {
    const d = setup();
    d.tick([s('jobs_total', {}, 5)]);
    expect(d.eval(rate('jobs_total'))).toEqual({});
  });

  it('sums by the `by` labels, and `where` filters exactly or by an anchored regex', () => {
    const d = setup();
    const labels = (route: string, status: string) => ({ route, status, method: 'GET' });
    const at = (n: number) => [
      s('http_requests_total', labels('/a', '200'), 4 * n),
      s('http_requests_total', labels('/a', '500'), 2 * n),
      s('http_requests_total', labels('/a', '503'), 1 * n),
      s('http_requests_total', labels('/b', '200'), 8 * n),
      s('http_requests_total', labels('/b', '5000'), 100 * n),
    ];
    d.tick(at(0));
    d.tick(at(1));
    expect(d.eval(rate('http_requests_total', { by: ['route'] }))).toEqual({ '/a': 7, '/b': 108 });
    expect(
      d.eval(rate('http_requests_total', { by: ['route'], where: { status: '~5..' } })),
    ).toEqual({ '/a': 3 });
    expect(d.eval(rate('http_requests_total', { where: { status: '200', route: '/b' } }))).toEqual({
      '-': 8,
    });
    expect(d.eval(rate('http_requests_total', { where: { status: '~2' } }))).toEqual({});
  });
});

describe('value', () => {
  it('sums the latest values per group', () => {
    const d = setup();
    d.tick([s('database_connections', { state: 'idle' }, 9)]);
    d.tick([
      s('database_connections', { state: 'idle', pool: 'a' }, 3),
      s('database_connections', { state: 'idle', pool: 'b' }, 4),
      s('database_connections', { state: 'active', pool: 'a' }, 1),
    ]);
    expect(d.eval(value('database_connections', { by: ['state'] }))).toEqual({
      idle: 7,
      active: 1,
    });
    expect(d.eval(value('database_connections'))).toEqual({ '-': 8 });
  });
});

describe('quantile', () => {
  const buckets = (route: string, counts: [string, number][]) =>
    counts.map(([le, v]) => s('latency_seconds_bucket', { route, le }, v));

  it('interpolates linearly inside the bucket holding the rank, over the window increase', () => {
    const d = setup();
    d.tick(
      buckets('/a', [
        ['0.1', 100],
        ['0.5', 100],
        ['1', 100],
        ['+Inf', 100],
      ]),
    );
    // In the window: 10 ≤ 0.1 s, 20 more ≤ 0.5 s, 10 more ≤ 1 s, none above.
    d.tick(
      buckets('/a', [
        ['0.1', 110],
        ['0.5', 130],
        ['1', 140],
        ['+Inf', 140],
      ]),
    );
    // p50: rank 20 lies in (0.1, 0.5], 10 of its 20 → 0.1 + 0.4 × 10/20 = 0.3.
    expect(d.eval(quantile(0.5, 'latency_seconds'))['-']).toBeCloseTo(0.3, 12);
    // p95: rank 38 lies in (0.5, 1], 8 of its 10 → 0.5 + 0.5 × 8/10 = 0.9.
    expect(d.eval(quantile(0.95, 'latency_seconds', { by: ['route'] }))['/a']).toBeCloseTo(0.9, 12);
  });

  it('answers the highest finite bound when the rank falls in +Inf, and nothing without observations', () => {
    expect(
      histogramQuantile(0.99, [
        { le: 0.1, count: 0 },
        { le: Infinity, count: 5 },
      ]),
    ).toBe(0.1);
    expect(
      histogramQuantile(0.5, [
        { le: 0.1, count: 0 },
        { le: Infinity, count: 0 },
      ]),
    ).toBeNaN();
    expect(
      histogramQuantile(0.5, [
        { le: 0.1, count: 3 },
        { le: 1, count: 3 },
      ]),
    ).toBeNaN();
    const d = setup();
    d.tick(
      buckets('/a', [
        ['0.1', 1],
        ['+Inf', 1],
      ]),
    );
    d.tick(
      buckets('/a', [
        ['0.1', 1],
        ['+Inf', 1],
      ]),
    );
    expect(d.eval(quantile(0.5, 'latency_seconds'))).toEqual({});
  });

  it('sums buckets of the same bound across the labels not kept', () => {
    const d = setup();
    const zero: [string, number][] = [
      ['0.1', 0],
      ['1', 0],
      ['+Inf', 0],
    ];
    d.tick([...buckets('/a', zero), ...buckets('/b', zero)]);
    d.tick([
      ...buckets('/a', [
        ['0.1', 4],
        ['1', 4],
        ['+Inf', 4],
      ]),
      ...buckets('/b', [
        ['0.1', 0],
        ['1', 4],
        ['+Inf', 4],
      ]),
    ]);
    // 8 observations, 4 ≤ 0.1 s: p75 has rank 6, 2 of the 4 in (0.1, 1] → 0.55.
    expect(d.eval(quantile(0.75, 'latency_seconds'))['-']).toBeCloseTo(0.55, 12);
  });
});

describe('ratio', () => {
  it('divides per group; 0/0 gives no point, and a never-incremented numerator counts as 0', () => {
    const d = setup();
    const at = (n: number, m: number) => [
      s('cache_operations_total', { cache: 'users', result: 'hit' }, 3 * n),
      s('cache_operations_total', { cache: 'users', result: 'miss' }, n),
      s('cache_operations_total', { cache: 'idle', result: 'hit' }, 5),
      s('cache_operations_total', { cache: 'cold', result: 'miss' }, m),
    ];
    d.tick(at(0, 0));
    d.tick(at(4, 2));
    const hitRate = ratio(
      rate('cache_operations_total', { by: ['cache'], where: { result: 'hit' } }),
      rate('cache_operations_total', { by: ['cache'] }),
    );
    expect(d.eval(hitRate)).toEqual({ users: 0.75, cold: 0 });
  });

  it('gives no point where a value numerator has no group', () => {
    const d = setup();
    d.tick([s('a', { k: 'x' }, 1), s('b', { k: 'x' }, 2), s('b', { k: 'y' }, 2)]);
    expect(d.eval(ratio(value('a', { by: ['k'] }), value('b', { by: ['k'] })))).toEqual({ x: 0.5 });
  });

  it('divides each numerator group by the total it belongs to (a share, as group_left)', () => {
    const d = setup();
    const at = (n: number) => [
      s('http_requests_total', { route: '/a', status: '200' }, 3 * n),
      s('http_requests_total', { route: '/b', status: '200' }, n),
    ];
    d.tick(at(0));
    d.tick(at(2));
    const share = ratio(
      rate('http_requests_total', { by: ['route'] }),
      rate('http_requests_total'),
    );
    expect(d.eval(share)).toEqual({ '/a': 0.75, '/b': 0.25 });
  });
});
