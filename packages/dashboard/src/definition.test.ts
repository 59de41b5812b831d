import { describe, expect, it } from '@jest/globals';
import { overviewDashboard, quantile, rate, ratio, value } from './definition';

describe('dashboard definitions', () => {
  it('builds queries as plain data', () => {
    expect(rate('http_requests_total', { by: ['route'] })).toEqual({
      kind: 'rate',
      metric: 'http_requests_total',
      by: ['route'],
    });
    expect(ratio(value('a'), quantile(0.9, 'b'))).toEqual({
      kind: 'ratio',
      numerator: { kind: 'value', metric: 'a' },
      denominator: { kind: 'quantile', q: 0.9, metric: 'b' },
    });
  });

  it('gives the overview the metric names on the wire, one legend per latency line', () => {
    const overview = overviewDashboard();
    expect(overview.panels.map((p) => p.title)).toEqual([
      'Request rate',
      'Error rate',
      'Latency',
      'In flight',
      'CPU',
      'Memory (RSS)',
      'Event loop lag (p99)',
    ]);
    const latency = overview.panels.find((p) => p.title === 'Latency')!;
    expect(latency.legend).toHaveLength(latency.queries.length);
  });
});
