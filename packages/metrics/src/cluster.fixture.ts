// Spawned by cluster.test.ts: a primary with two workers, each counting into its own metrics;
// the primary prints prom-client's aggregation of both.
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { createMetrics, shareWithClusterPrimary } from './index';

if (cluster.isPrimary) {
  const aggregator = new AggregatorRegistry();
  let ready = 0;
  for (let i = 1; i <= 2; i++) {
    cluster.fork({ WORKER_N: String(i) }).on('message', (msg) => {
      if (msg !== 'ready' || ++ready < 2) return;
      void aggregator.clusterMetrics().then((text) => {
        process.stdout.write(text);
        for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
      });
    });
  }
} else {
  const metrics = createMetrics({ collectDefaultMetrics: false, service: { name: 'clustered' } });
  shareWithClusterPrimary(metrics);
  metrics
    .counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['kind'] })
    .inc({ kind: 'rollup' }, Number(process.env.WORKER_N));
  metrics.histogram({ name: 'job_seconds', help: 'Job time', buckets: [1] }).observe(0.5);
  process.send?.('ready');
}
