import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { hasPromtool, promtoolProblems } from './exposition.fixture';
import { createMetrics } from './index';

describe('Node cluster', () => {
  it('aggregates two workers’ metrics through prom-client’s AggregatorRegistry', () => {
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@obs/source', join(__dirname, 'cluster.fixture.ts')],
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ENVIRONMENT: 'cluster-test' } },
    );
    expect(res.stderr).toBe('');
    const text = res.stdout;
    expect(text).toContain(
      'jobs_total{kind="rollup",service="clustered",environment="cluster-test"} 3',
    );
    expect(text).toContain('job_seconds_count{service="clustered",environment="cluster-test"} 2');
    if (hasPromtool) expect(promtoolProblems(text)).toBe('');
  }, 150_000); // three Node processes with tsx: slow on a busy machine; a hang guard only

  it('reports the host’s system metrics once, as one worker read them, and sums the workers’ own', async () => {
    // What the primary's clusterMetrics() does with the scrapes the workers send it.
    const workers = [1, 2].map((n) => {
      const metrics = createMetrics({ defaultLabels: {} });
      metrics.counter({ name: 'requests_total', help: 'Requests' }).inc(n);
      return metrics;
    });
    const scrapes = await Promise.all(workers.map((m) => m.registry.getMetricsAsJSON()));
    const aggregated = await AggregatorRegistry.aggregate(scrapes).getMetricsAsJSON();
    const values = (json: MetricObjectWithValues<MetricValue<string>>[], name: string) =>
      json.find((m) => m.name === name)?.values.map(({ labels, value }) => ({ labels, value }));
    expect(values(aggregated, 'requests_total')).toEqual([{ labels: {}, value: 3 }]);
    const host = scrapes[0]!.map((m) => m.name).filter((name) => name.startsWith('system_'));
    expect(host).toEqual(
      expect.arrayContaining(['system_memory_total_bytes', 'system_disk_total_bytes']),
    );
    for (const name of host) expect(values(aggregated, name)).toEqual(values(scrapes[0]!, name));
    await Promise.all(workers.map((m) => m.shutdown()));
  });

  it('takes info() metrics once and honours a metric’s own aggregator, as prom-client does', async () => {
    const workers = [10, 20].map((n) => {
      const metrics = createMetrics({ defaultLabels: {}, collectDefaultMetrics: false });
      metrics.info('build_info', 'Build', { version: '1.2.3' });
      metrics.gauge({ name: 'queue_peak', help: 'Peak', aggregator: 'max' }).set(n);
      metrics.summary({ name: 'job_seconds', help: 'Jobs', aggregator: 'omit' }).observe(n);
      return metrics;
    });
    const scrapes = await Promise.all(workers.map((m) => m.registry.getMetricsAsJSON()));
    const aggregated = await AggregatorRegistry.aggregate(scrapes).getMetricsAsJSON();
    const value = (name: string) => aggregated.find((m) => m.name === name)?.values[0]?.value;
    expect([value('build_info'), value('queue_peak')]).toEqual([1, 20]);
    expect(aggregated.find((m) => m.name === 'job_seconds')).toBeUndefined();
    expect(() =>
      workers[0]!.gauge({ name: 'g', help: 'h', aggregator: 'median' as never }),
    ).toThrow(expect.objectContaining({ option: 'aggregator' }));
    await Promise.all(workers.map((m) => m.shutdown()));
  });
});
