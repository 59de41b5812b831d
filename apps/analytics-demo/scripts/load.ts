// `pnpm demo:load`: realistic traffic against a running demo, bounded in time, with a progress
// line: event batches, analytics and credits queries, active users, some 4xx (bad keys, invalid
// events, unknown workspaces) and, when the demo runs with FAULT_INJECTION=true, some 5xx.
//
//   pnpm demo:load --admin-token <token> [--url http://127.0.0.1:8000] [--seconds 60]
//                     [--concurrency 8] [--error-rate 0.02]
import { parseArgs } from 'node:util';
import { createTarget, drive, eventBatch, percentile, type Request, type Target } from './traffic';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.DEMO_URL ?? 'http://127.0.0.1:8000' },
    'admin-token': { type: 'string', default: process.env.ADMIN_TOKEN },
    seconds: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '8' },
    'error-rate': { type: 'string', default: '0.02' },
  },
});

const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const errorRate = Number(values['error-rate']);
if (!values['admin-token']) {
  console.error(
    'demo:load needs the admin token the demo printed at start: --admin-token <token> (or ADMIN_TOKEN)',
  );
  process.exit(2);
}
if (
  !(seconds > 0 && seconds <= 3600) ||
  !(concurrency >= 1 && concurrency <= 256) ||
  !(errorRate >= 0 && errorRate <= 1)
) {
  console.error('demo:load: --seconds 1–3600, --concurrency 1–256, --error-rate 0–1');
  process.exit(2);
}

const target: Target = await createTarget(
  values.url,
  values['admin-token'],
  `load-${Date.now().toString(36)}`,
);
const base = `/api/v1/workspaces/${target.workspace}`;
const day = 86_400_000;

/** One request of the mix: mostly ingestion and queries, a few client errors, a few faults. */
function next(): Request {
  const r = Math.random();
  if (r < errorRate)
    return { method: 'GET', path: `${base}/analytics`, headers: { 'x-fault': 'error' } };
  if (r < 0.35) {
    const size = 1 + Math.floor(Math.random() * 200);
    return { method: 'POST', path: `${base}/events`, body: eventBatch(target, size), events: size };
  }
  if (r < 0.6) {
    const to = Math.ceil(Date.now() / 60_000) * 60_000;
    const groupBy = ['agent', 'day', 'type'][Math.floor(Math.random() * 3)]!;
    return {
      method: 'GET',
      path: `${base}/analytics?group_by=${groupBy}&from=${new Date(to - 7 * day).toISOString()}&to=${new Date(to).toISOString()}`,
    };
  }
  if (r < 0.75) return { method: 'GET', path: `${base}/credits` };
  if (r < 0.88)
    return {
      method: 'GET',
      path: `${base}/active-users?window=${['5m', '1h', '24h'][Math.floor(Math.random() * 3)]}`,
    };
  if (r < 0.92) return { method: 'GET', path: `${base}/agents` };
  if (r < 0.95)
    return { method: 'GET', path: base, headers: { authorization: 'Bearer obs_not-a-real-key' } };
  if (r < 0.98)
    return {
      method: 'POST',
      path: `${base}/events`,
      body: JSON.stringify({ events: [{ id: 'bad', credits: -1 }] }),
    };
  return { method: 'GET', path: '/api/v1/workspaces/no-such-workspace' };
}

const line = (s: {
  requests: number;
  byStatus: Map<number, number>;
  failures: number;
  events: number;
  seconds: number;
}) => {
  const classes = { '2xx': 0, '4xx': 0, '5xx': 0 };
  for (const [status, n] of s.byStatus)
    classes[`${Math.floor(status / 100)}xx` as keyof typeof classes] += n;
  return `${s.seconds.toFixed(0).padStart(4)}s  ${s.requests} requests (${(s.requests / Math.max(s.seconds, 0.001)).toFixed(0)}/s)  2xx ${classes['2xx']}  4xx ${classes['4xx']}  5xx ${classes['5xx']}  failed ${s.failures}  events ${s.events}`;
};
console.error(
  `driving ${values.url} (workspace ${target.workspace}) for ${seconds} s with ${concurrency} clients`,
);
const stats = await drive(target, next, {
  seconds,
  concurrency,
  onSecond: (s) => process.stderr.write(`\r${line(s)}   `),
});
const sorted = stats.latenciesMs.sort((a, b) => a - b);
process.stderr.write(`\r${line(stats)}   \n`);
console.error(
  `latency p50 ${percentile(sorted, 50).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms`,
);
if (!(stats.byStatus.get(500) ?? 0) && errorRate > 0)
  console.error('no 5xx: start the demo with FAULT_INJECTION=true to inject some');
