import { AggregatorRegistry } from 'prom-client';
import { rawFactories, type Metrics } from './metrics';

/**
 * In a Node cluster worker: lets the primary's `new AggregatorRegistry().clusterMetrics()`
 * (prom-client) collect this worker's metrics. Counters and histograms are summed across
 * workers; gauges too, unless their `aggregator` says otherwise (`info()` metrics: 'first'). The
 * `system_*` metrics describe the host, which every worker sees alike: they are taken from one
 * worker, not summed.
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { AggregatorRegistry } from 'prom-client';
 * if (cluster.isPrimary) {
 *   const aggregator = new AggregatorRegistry();
 *   // serve `await aggregator.clusterMetrics()` on the primary's metrics port
 * } else {
 *   const metrics = createMetrics({ collectDefaultMetrics: false });
 *   shareWithClusterPrimary(metrics);
 * }
 * ```
 */
export function shareWithClusterPrimary(metrics: Metrics): void {
  rawFactories(metrics); // throws, naming `metrics`, for anything but createMetrics()'s object
  AggregatorRegistry.setRegistries([metrics.registry]);
  // prom-client installs the worker's answering listener when an AggregatorRegistry is made.
  new AggregatorRegistry();
}
