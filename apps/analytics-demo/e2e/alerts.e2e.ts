// Issue 10, part 2: the alert path through the real engines. Errors injected into the demo →
// a real Prometheus evaluates HighErrorRate → a real Alertmanager routes it → the demo's
// `POST /alerts/webhook` takes it and `GET /alerts` lists it; after the errors stop, it resolves.
// In the same run the demo's in-process engine evaluates its own HighErrorRate over the same
// requests and notifies a local webhook receiver; both latencies go into the summary.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { defineRule, toAlertmanagerConfig, toPrometheusRules } from '@obs/alerts';
import { createTarget, type Target } from '../scripts/traffic';
import { alertRules, JOB } from '../src/alert-rules';
import {
  ADMIN_TOKEN,
  promQuery,
  record,
  startDemo,
  startServer,
  waitUntil,
  type Demo,
  type Server,
  startPrometheus,
} from './harness';

const WORKSPACE = 'alerts';
/** The exported rule's windows and `for` are minutes; the test's variant uses these. */
const WINDOW = '10s';
const FOR = '2s';
/** Each wait of the test is bounded by this. */
const BOUND_MS = 60_000;

/**
 * HighErrorRate's warning as the demo defines it (src/alert-rules.ts), made fast for a test: the same
 * expression and threshold over a `WINDOW` rate window instead of 5m, and `for: FOR` instead of
 * 5m. Everything else (name, severity, labels, annotations) is the exported rule's.
 */
function fastHighErrorRate() {
  // The warning (5%): the critical of the same name waits for 10%.
  const rule = alertRules().find((r) => r.name === 'HighErrorRate' && r.severity === 'warning');
  if (!rule) throw new Error('no HighErrorRate warning in alertRules()');
  const expr = rule.expr.replaceAll('[5m]', `[${WINDOW}]`);
  // Only the windows changed: two of them, and nothing else.
  expect(expr).not.toBe(rule.expr);
  expect(expr.replaceAll(`[${WINDOW}]`, '[5m]')).toBe(rule.expr);
  return defineRule({
    name: rule.name,
    query: rule.query,
    condition: rule.condition,
    expr,
    for: FOR,
    severity: rule.severity,
    ...(rule.labels ? { labels: rule.labels } : {}),
    annotations: rule.annotations,
  });
}

interface Received {
  at: number;
  body: { status: string; alerts: { status: string; labels: Record<string, string> }[] };
}

/** A webhook receiver on 127.0.0.1: what the in-process engine's webhook notifier sends. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: HttpServer }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      try {
        received.push({ at: performance.now(), body: JSON.parse(text) as Received['body'] });
      } catch {
        // not JSON: not ours to count
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, received, server };
}

interface DemoAlert {
  name: string;
  source: string;
  state: string;
}

async function demoAlerts(demo: Demo, path = '/alerts'): Promise<DemoAlert[]> {
  const res = await fetch(`${demo.url}${path}`);
  return ((await res.json()) as { alerts: DemoAlert[] }).alerts;
}

const fromAlertmanager = (a: DemoAlert) =>
  a.source === 'alertmanager' && a.name === 'HighErrorRate';

/**
 * Requests from `workers` clients in a loop, each of them failing with `X-Fault: error` while
 * `faulty` says so (one in `errorEvery`); times of the first and last failing request.
 */
function traffic(target: Target, workers = 4, errorEvery = 4) {
  const state = {
    faulty: false,
    running: true,
    sent: 0,
    /** Requests sent while `faulty`, and those answered 500. */
    sentFaulty: 0,
    failed: 0,
    firstFault: undefined as number | undefined,
    lastFault: 0,
  };
  const paths = [
    `/api/v1/workspaces/${target.workspace}/credits`,
    `/api/v1/workspaces/${target.workspace}/analytics?group_by=agent`,
  ];
  const worker = async () => {
    while (state.running) {
      const n = state.sent++;
      if (state.faulty) state.sentFaulty++;
      const fault = state.faulty && n % errorEvery === 0;
      if (fault) {
        state.lastFault = performance.now();
        state.firstFault ??= state.lastFault;
      }
      const res = await fetch(`${target.baseUrl}${paths[n % 2]!}`, {
        headers: {
          authorization: `Bearer ${target.key}`,
          ...(fault ? { 'x-fault': 'error' } : {}),
        },
        signal: AbortSignal.timeout(60_000), // a hung request, not a slow one
      });
      await res.arrayBuffer();
      if (res.status === 500) state.failed++;
      else if (res.status !== 200) throw new Error(`${paths[n % 2]!}: ${res.status}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    state,
    async stop() {
      state.running = false;
      await done;
    },
  };
}

let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
let demo: Demo | undefined;
let alertmanager: Server | undefined;
let prometheus: Server | undefined;
let target: Target;

beforeAll(async () => {
  receiver = await startReceiver();
  // ALERT_FOR: the in-process rules' `for` (5m for HighErrorRate) down to the test's.
  demo = await startDemo({
    ALERT_WEBHOOK_URL: receiver.url,
    ALERT_FOR: FOR,
    ALERT_INTERVAL_MS: '1000',
  });
  target = await createTarget(demo.url, ADMIN_TOKEN, WORKSPACE);

  const demoUrl = demo.url;
  alertmanager = await startServer(
    'prometheus-alertmanager',
    (port, dir) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=', // no clustering: nothing listens beyond loopback
    ],
    {
      readyPath: '/-/ready',
      files: (dir) => ({
        'admin-token': ADMIN_TOKEN,
        // The demo's own routing (src/alert-rules.ts), with a test's timings.
        'alertmanager.yml': toAlertmanagerConfig(
          {
            receiver: 'analytics',
            groupBy: ['alertname'],
            groupWait: '1s',
            groupInterval: '1s',
            repeatInterval: '1m',
          },
          [
            {
              name: 'analytics',
              webhook: {
                url: `${demoUrl}/alerts/webhook`,
                bearerTokenFile: join(dir, 'admin-token'),
              },
            },
          ],
        ),
      }),
    },
  );
  const check = spawnSync('amtool', ['check-config', join(alertmanager.dir, 'alertmanager.yml')], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(check.status).toBe(0);

  prometheus = await startPrometheus({
    demoPort: demo.port,
    rules: toPrometheusRules([fastHighErrorRate()], { groupName: 'analytics-e2e', interval: '1s' }),
    alertmanagerPort: alertmanager.port,
  });
  const server = prometheus;
  await waitUntil(
    async () => (await promQuery(server, `up{job="${JOB}"} == 1`)).length > 0,
    30_000,
    'first successful scrape',
  );
});

afterAll(async () => {
  await Promise.allSettled([prometheus?.stop(), alertmanager?.stop()]);
  await demo?.stop();
  if (receiver) {
    receiver.server.closeAllConnections();
    await new Promise((res) => receiver!.server.close(res));
  }
});

describe('alert path through the real engines', () => {
  it('fires through Prometheus and Alertmanager, and in-process, then resolves', async () => {
    const demoNow = demo!;
    const hook = receiver!;
    const load = traffic(target);
    try {
      // A few seconds of clean traffic first, so every series has history before the errors.
      await new Promise((r) => setTimeout(r, 3000));
      expect((await demoAlerts(demoNow)).filter((a) => a.name === 'HighErrorRate')).toEqual([]);
      load.state.faulty = true;

      // Three ends to watch, each bounded: Prometheus' alert firing (the middle of the path),
      // the demo's GET /alerts listing Alertmanager's webhook, the local receiver's notification.
      const firingInPrometheus = waitUntil(
        async () => {
          const res = await fetch(`${prometheus!.url}/api/v1/alerts`);
          const body = (await res.json()) as {
            data: { alerts: { labels: Record<string, string>; state: string }[] };
          };
          return body.data.alerts.some(
            (a) => a.labels.alertname === 'HighErrorRate' && a.state === 'firing',
          );
        },
        BOUND_MS,
        'Prometheus: HighErrorRate firing',
      ).then(() => performance.now());
      const viaAlertmanager = waitUntil(
        async () => (await demoAlerts(demoNow)).some(fromAlertmanager),
        BOUND_MS,
        "Alertmanager's HighErrorRate in the demo's GET /alerts",
      ).then(() => performance.now());
      const firingInProcess = waitUntil(
        () =>
          hook.received.some(
            (r) =>
              r.body.status === 'firing' &&
              r.body.alerts.some((a) => a.labels.alertname === 'HighErrorRate'),
          ),
        BOUND_MS,
        "the in-process engine's HighErrorRate at the local receiver",
      ).then(
        () =>
          hook.received.find(
            (r) =>
              r.body.status === 'firing' &&
              r.body.alerts.some((a) => a.labels.alertname === 'HighErrorRate'),
          )!.at,
      );
      const [prom, am, inProcess] = await Promise.all([
        firingInPrometheus,
        viaAlertmanager,
        firingInProcess,
      ]);
      const first = load.state.firstFault!;
      const ms = (t: number) => `${((t - first) / 1000).toFixed(2)} s`;
      const share = load.state.failed / load.state.sentFaulty;

      // The alert as the demo lists it: from Alertmanager, firing, the rule's severity.
      const listed = (await demoAlerts(demoNow)).filter(fromAlertmanager);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ state: 'firing', severity: 'warning' });

      // Errors stop; clean traffic goes on. Alertmanager sends `resolved` once the error share
      // over the window is below the threshold again, and the demo files the alert as resolved.
      load.state.faulty = false;
      await new Promise((r) => setTimeout(r, 50));
      const last = load.state.lastFault;
      await waitUntil(
        async () => !(await demoAlerts(demoNow)).some(fromAlertmanager),
        BOUND_MS,
        "Alertmanager's HighErrorRate resolved in the demo",
      );
      const resolved = performance.now();
      const history = await demoAlerts(demoNow, '/alerts/history');
      expect(history.filter(fromAlertmanager)).toEqual([
        expect.objectContaining({ state: 'resolved' }),
      ]);

      record(
        'alerts',
        'first 5xx → HighErrorRate notification',
        `in-process engine ${ms(inProcess)} | Prometheus+Alertmanager ${ms(am)} (Prometheus firing at ${ms(prom)}); eval 1 s, for ${FOR}, window ${WINDOW} vs 5m in-process, group_wait 1s`,
      );
      record(
        'alerts',
        'errors stop → resolved via Alertmanager',
        `${((resolved - last) / 1000).toFixed(2)} s (error share while injecting ${(share * 100).toFixed(0)}%, threshold 5%)`,
      );
    } finally {
      await load.stop();
    }
  });
});
