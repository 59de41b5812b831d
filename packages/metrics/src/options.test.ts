// Every factory of this package, given what an unset environment variable leaves behind
// (undefined, '', NaN): an ObsConfigError naming the option, never a TypeError or a silent default.
import { describe, expect, it } from '@jest/globals';
import { isObsError } from '@obs/core';
import { httpMetrics } from './hono/index';
import { createMetrics, pushMetrics, shareWithClusterPrimary, startMetricsServer } from './index';

const metrics = createMetrics({ collectDefaultMetrics: false, prefix: 'app_' });
const disabled = createMetrics({ collectDefaultMetrics: false, enabled: false });
const env: Record<string, string | undefined> = {}; // an environment where nothing is set

async function thrownBy(make: () => unknown): Promise<unknown> {
  try {
    await make();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('options left undefined or empty', () => {
  it.each<[string, () => unknown, string, string]>([
    [
      'a metric name, which the prefix would have turned into "app_undefined"',
      () => metrics.counter({ name: env.METRIC_NAME!, help: 'h' }),
      'name',
      'expected a non-empty string, received undefined',
    ],
    [
      'a metric help text',
      () => metrics.gauge({ name: 'queue_size', help: env.HELP! }),
      'help',
      'app_queue_size: expected a help text, received undefined',
    ],
    [
      'a label name',
      () => metrics.histogram({ name: 'job_seconds', help: 'h', labelNames: [env.LABEL!] }),
      'labelNames',
      'expected a non-empty string, received undefined',
    ],
    [
      'the labels of an info metric',
      () => metrics.info('build_info', 'Build', env.LABELS as never),
      'labels',
      "expected { label: 'value' }, received undefined",
    ],
    [
      'a fact of an info metric, which would have been exposed as ""',
      () => metrics.info('build_info', 'Build', { version: env.APP_VERSION! }),
      'labels.version',
      'expected a string, received undefined',
    ],
    [
      'the backend type',
      () => createMetrics({ backend: { type: env.METRICS_BACKEND as 'statsd' } }),
      'backend.type',
      "Invalid discriminator value. Expected 'statsd' | 'console'",
    ],
    [
      'the StatsD port',
      () => createMetrics({ backend: { type: 'statsd', port: Number(env.STATSD_PORT) } }),
      'backend.port',
      'Invalid input: expected number, received NaN',
    ],
    [
      'the options of httpMetrics',
      () => httpMetrics(env.OPTIONS as never),
      '(options)',
      'expected { metrics, … }, received undefined',
    ],
    [
      'the metrics of httpMetrics',
      () => httpMetrics({ metrics: env.METRICS as never }),
      'metrics',
      'expected the object returned by createMetrics(), received undefined',
    ],
    [
      'a metric name of httpMetrics',
      () => httpMetrics({ metrics, names: { requests: env.NAME ?? '' } }),
      'names.requests',
      'expected a non-empty string, received an empty string',
    ],
    [
      'an extra label reader, even with metrics disabled',
      () => httpMetrics({ metrics: disabled, extraLabels: { tier: env.READER as never } }),
      'extraLabels.tier',
      'expected (c) => string, received undefined',
    ],
    [
      'the metrics server port',
      () => startMetricsServer({ metrics, port: Number(env.METRICS_PORT) }),
      'port',
      'expected an integer 0–65535, received NaN',
    ],
    [
      'the metrics server host, which would have listened on every interface',
      () => startMetricsServer({ metrics, port: 0, host: env.METRICS_HOST ?? '' }),
      'host',
      'expected a non-empty string, received an empty string',
    ],
    [
      'the Pushgateway URL',
      () => pushMetrics(metrics, { url: env.PUSHGATEWAY_URL!, job: 'rollup' }),
      'url',
      'expected the Pushgateway URL, received undefined',
    ],
    [
      'a grouping label, which would have pushed to /instance/undefined',
      () =>
        pushMetrics(metrics, {
          url: 'http://127.0.0.1:9',
          job: 'rollup',
          groupings: { instance: env.HOSTNAME! },
        }),
      'groupings.instance',
      'expected a non-empty string, received undefined',
    ],
    [
      'the push timeout',
      () =>
        pushMetrics(metrics, {
          url: 'http://127.0.0.1:9',
          job: 'rollup',
          timeoutMs: Number(env.PUSH_TIMEOUT_MS),
        }),
      'timeoutMs',
      'expected a whole number of milliseconds ≥ 1, received NaN',
    ],
    [
      'the metrics pushed',
      () => pushMetrics(env.METRICS as never, { url: 'http://127.0.0.1:9', job: 'rollup' }),
      'metrics',
      'expected the object returned by createMetrics(), received undefined',
    ],
    [
      'the metrics shared with the cluster primary',
      () => shareWithClusterPrimary(env.METRICS as never),
      'metrics',
      'expected the object returned by createMetrics(), received undefined',
    ],
  ])('%s', async (_what, make, option, problem) => {
    const err = await thrownBy(make);
    expect(isObsError(err, 'CONFIG_INVALID')).toBe(true);
    expect(err).toMatchObject({ option, message: `Invalid option "${option}": ${problem}` });
  });
});
