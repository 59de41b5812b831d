import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { hasPromtool, promtoolProblems } from './exposition.fixture';

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
});
