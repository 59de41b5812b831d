import { Pushgateway } from 'prom-client';
import { ObsConfigError, ObsError } from '@obs/core';
import type { Metrics } from './metrics';

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
  if (typeof options.url !== 'string' || !URL.canParse(options.url))
    throw new ObsConfigError('url', 'expected the Pushgateway URL');
  if (typeof options.job !== 'string' || options.job === '')
    throw new ObsConfigError('job', 'expected a job name');
  const gateway = new Pushgateway(
    options.url,
    { timeout: options.timeoutMs ?? 10_000 },
    metrics.registry,
  );
  const params = { jobName: options.job, groupings: options.groupings ?? {} };
  try {
    const { resp } = options.replace ? await gateway.push(params) : await gateway.pushAdd(params);
    const status = (resp as { statusCode?: number } | undefined)?.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new Error(`the Pushgateway answered HTTP ${status}`);
  } catch (err) {
    throw new ObsError(
      'EXPORT_FAILED',
      `push to ${options.url} failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
