import { Pushgateway } from 'prom-client';
import { ObsConfigError, ObsError } from '@obs/core';
import { rawFactories, type Metrics } from './metrics';
import { isObject, nonEmptyString, optionsObject, received } from './options';

export interface PushOptions {
  /** The Pushgateway's base URL, e.g. `http://pushgateway:9091`. */
  url: string;
  /** The `job` grouping label. */
  job: string;
  /** More grouping labels, e.g. `{ instance: 'nightly-rollup' }`. */
  groupings?: Record<string, string>;
  /** PUT (replace the whole group) instead of POST (replace same-named metrics only). @default false */
  replace?: boolean;
  /** @default 10_000 */
  timeoutMs?: number;
}

/**
 * Pushes the registry to a Prometheus Pushgateway, for batch jobs that end before a scrape could
 * find them. Resolves when the gateway accepted; rejects with `ObsError('EXPORT_FAILED')`
 * otherwise, so the job can tell.
 *
 * @example
 * ```ts
 * await pushMetrics(metrics, { url: 'http://pushgateway:9091', job: 'rollup', groupings: { shard: '3' } });
 * ```
 */
export async function pushMetrics(metrics: Metrics, options: PushOptions): Promise<void> {
  rawFactories(metrics); // throws, naming `metrics`, for anything but createMetrics()'s object
  const { url, job, groupings = {}, timeoutMs = 10_000 } = optionsObject(options, '{ url, job }');
  if (typeof url !== 'string' || !URL.canParse(url))
    throw new ObsConfigError('url', `expected the Pushgateway URL, ${received(url)}`);
  nonEmptyString(job, 'job');
  if (!isObject(groupings))
    throw new ObsConfigError('groupings', `expected { label: 'value' }, ${received(groupings)}`);
  // Each value is a path segment of the push URL: undefined would push to `/instance/undefined`.
  for (const [label, value] of Object.entries(groupings))
    nonEmptyString(value, `groupings.${label}`);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new ObsConfigError(
      'timeoutMs',
      `expected a whole number of milliseconds ≥ 1, ${received(timeoutMs)}`,
    );
  const gateway = new Pushgateway(url, { timeout: timeoutMs }, metrics.registry);
  const params = { jobName: job, groupings };
  try {
    const { resp } = options.replace ? await gateway.push(params) : await gateway.pushAdd(params);
    const status = (resp as { statusCode?: number } | undefined)?.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new Error(`the Pushgateway answered HTTP ${status}`);
  } catch (err) {
    throw new ObsError('EXPORT_FAILED', `push to ${url} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
