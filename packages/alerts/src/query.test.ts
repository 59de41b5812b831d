import { describe, expect, it } from '@jest/globals';
import { counter, historyOf } from './history.fixture';
import { add, increase, quantile, rate, ratio, sum, value } from './query';

const NOW = 1_000_000;

describe('queries evaluated in-process', () => {
  const history = historyOf(
    [
      counter('http_requests_total', { route: '/a', status: '200' }, 9, 300, NOW),
      counter('http_requests_total', { route: '/a', status: '500' }, 1, 300, NOW),
      counter('http_requests_total', { route: '/b', status: '503' }, 2, 300, NOW),
      { name: 'database_connections', labels: { state: 'idle' }, points: [[NOW, 3]] },
      { name: 'database_connections', labels: { state: 'active' }, points: [[NOW, 7]] },
    ],
    NOW,
  );

  it('value() reads the current samples that match', () => {
    expect(value('database_connections', { state: 'idle' }).evaluate(history)).toEqual([
      { labels: { state: 'idle' }, value: 3 },
    ]);
  });

  it('rate() and increase() match hand-computed values', () => {
    const rates = rate('http_requests_total', '5m', { status: /5../ }).evaluate(history);
    expect(rates.map((r) => [r.labels.status, r.value])).toEqual([
      ['500', 1],
      ['503', 2],
    ]);
    expect(
      increase('http_requests_total', '1m', { status: '200' }).evaluate(history)[0]!.value,
    ).toBeCloseTo(540);
  });

  it('ratio() of sums is the error rate: 3 of 12 requests a second', () => {
    const errorRate = ratio(
      sum(rate('http_requests_total', '5m', { status: /5../ })),
      sum(rate('http_requests_total', '5m')),
    );
    expect(errorRate.evaluate(history)).toEqual([{ labels: {}, value: 0.25 }]);
    expect(errorRate.promql).toBe(
      '(sum(rate(http_requests_total{status=~"5.."}[5m]))) / (sum(rate(http_requests_total[5m])))',
    );
  });

  it('sum by keeps the grouping labels', () => {
    const byRoute = sum(rate('http_requests_total', '5m'), ['route']).evaluate(history);
    expect(byRoute).toEqual([
      { labels: { route: '/a' }, value: 10 },
      { labels: { route: '/b' }, value: 2 },
    ]);
  });

  it('sum by one label keeps series without it apart from series where it is empty', () => {
    const h = historyOf(
      [
        counter('jobs_total', { queue: 'mail' }, 1, 60, NOW),
        counter('jobs_total', { queue: '' }, 2, 60, NOW),
        counter('jobs_total', {}, 3, 60, NOW),
        counter('jobs_total', { queue: 'mail', worker: 'w2' }, 4, 60, NOW),
      ],
      NOW,
    );
    expect(sum(rate('jobs_total', '1m'), ['queue']).evaluate(h)).toEqual([
      { labels: { queue: 'mail' }, value: 5 },
      { labels: { queue: '' }, value: 2 },
      { labels: {}, value: 3 },
    ]);
  });

  it('handles a counter reset inside the window', () => {
    const h = historyOf(
      [
        {
          name: 'jobs_total',
          labels: {},
          points: [
            [NOW - 3000, 100],
            [NOW - 2000, 110],
            [NOW - 1000, 5],
            [NOW, 15],
          ],
        },
      ],
      NOW,
    );
    // 10 + 5 (after the reset) + 10 = 25 over 3 s, extrapolated to the 3 s window.
    expect(increase('jobs_total', '3s').evaluate(h)[0]!.value).toBeCloseTo(25);
  });

  it('quantile() interpolates within buckets like histogram_quantile', () => {
    // Per second: 50 under 0.1 s, 40 more under 0.5 s, 10 more under 1 s → p95 in (0.5, 1].
    const buckets: [string, number][] = [
      ['0.1', 50],
      ['0.5', 90],
      ['1', 100],
      ['+Inf', 100],
    ];
    const h = historyOf(
      buckets.map(([le, perSecond]) =>
        counter('http_request_duration_seconds_bucket', { le }, perSecond, 60, NOW),
      ),
      NOW,
    );
    const p95 = quantile(0.95, 'http_request_duration_seconds', '1m').evaluate(h);
    expect(p95[0]!.value).toBeCloseTo(0.75); // 0.5 + 0.5 × (95 − 90) / (100 − 90)
    const p50 = quantile(0.5, 'http_request_duration_seconds', '1m').evaluate(h);
    expect(p50[0]!.value).toBeCloseTo(0.1);
    expect(quantile(0.95, 'http_request_duration_seconds', '1m').promql).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))',
    );
  });

  it('add() joins on equal labels', () => {
    const h = historyOf(
      [
        { name: 'a', labels: { x: '1' }, points: [[NOW, 2]] },
        { name: 'b', labels: { x: '1' }, points: [[NOW, 3]] },
        { name: 'b', labels: { x: '2' }, points: [[NOW, 4]] },
      ],
      NOW,
    );
    expect(add(value('a'), value('b')).evaluate(h)).toEqual([{ labels: { x: '1' }, value: 5 }]);
  });

  it('rejects bad names and windows by option', () => {
    expect(() => rate('http requests', '5m')).toThrow(
      expect.objectContaining({ option: 'metric' }),
    );
    expect(() => rate('x', 'five minutes')).toThrow(expect.objectContaining({ option: 'window' }));
  });
});

describe('RegExp matchers', () => {
  it('export the i and s flags as RE2 writes them, and refuse m and y, which RE2 cannot mean', () => {
    expect(rate('x_total', '5m', { team: /API-CI/i }).promql).toBe(
      'rate(x_total{team=~"(?i)API-CI"}[5m])',
    );
    expect(value('x', { text: /a.b/is }).promql).toBe('x{text=~"(?is)a.b"}');
    for (const re of [/api/m, /api/y])
      expect(() => value('x', { team: re })).toThrow(expect.objectContaining({ option: 'labels' }));
  });
});
