import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import {
  alertmanagerNotifier,
  toAlertmanagerConfig,
  type Receiver,
  type Route,
} from './alertmanager';
import type { Alert } from './engine';

const amtool = spawnSync('amtool', ['--version']).status === 0;
const alertmanagerBinary = spawnSync('prometheus-alertmanager', ['--version']).status === 0;

/** Outside CI a missing tool skips its test; CI installs it, so there it fails. */
function missing(what: string): boolean {
  if (process.env.CI)
    throw new Error(`${what} is not installed (scripts/install-test-deps.sh installs it)`);
  return true;
}

const route: Route = {
  receiver: 'team',
  groupBy: ['alertname', 'service'],
  routes: [
    { receiver: 'pager', matchers: { severity: 'critical' }, continue: true },
    { receiver: 'security', matchers: { category: 'security' }, groupWait: '10s' },
  ],
};
const receivers: Receiver[] = [
  {
    name: 'team',
    slack: { apiUrl: 'https://hooks.slack.com/services/T/B/X', channel: '#analytics-alerts' },
  },
  { name: 'pager', pagerduty: { routingKey: '0123456789abcdef0123456789abcdef' } },
  {
    name: 'security',
    email: {
      to: 'security@example.com',
      from: 'alerts@example.com',
      smarthost: 'smtp.example.com:587',
    },
  },
  { name: 'webhook', webhook: { url: 'http://127.0.0.1:3000/alerts/webhook' } },
];

function checkConfig(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'obs-am-')), 'alertmanager.yml');
  writeFileSync(file, yaml);
  const res = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
  return res.status === 0 ? '' : `${res.stdout}${res.stderr}`;
}

describe('toAlertmanagerConfig', () => {
  it('renders routes, receivers and critical-inhibits-warning, and amtool accepts it', () => {
    const yaml = toAlertmanagerConfig(route, receivers);
    const config = parse(yaml) as {
      route: { routes: { matchers: string[] }[] };
      inhibit_rules: unknown[];
    };
    expect(config.route.routes[0]!.matchers).toEqual(['severity="critical"']);
    expect(config.inhibit_rules).toHaveLength(1);
    if (!amtool && missing('amtool')) return;
    expect(checkConfig(yaml)).toBe('');
  });

  it("sends a webhook's bearer token from a file, as alertRoutes' webhook expects", () => {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'obs-am-token-')), 'token');
    writeFileSync(tokenFile, 'admin-token\n');
    const yaml = toAlertmanagerConfig({ receiver: 'app' }, [
      {
        name: 'app',
        webhook: { url: 'http://app:8000/alerts/webhook', bearerTokenFile: tokenFile },
      },
    ]);
    const config = parse(yaml) as { receivers: { webhook_configs: Record<string, unknown>[] }[] };
    expect(config.receivers[0]!.webhook_configs[0]).toMatchObject({
      http_config: { authorization: { type: 'Bearer', credentials_file: tokenFile } },
    });
    if (!amtool && missing('amtool')) return;
    expect(checkConfig(yaml)).toBe('');
  });

  it('is refused by amtool when broken (the check can fail), and refuses unknown receivers itself', () => {
    expect(() => toAlertmanagerConfig({ receiver: 'nobody' }, receivers)).toThrow(
      expect.objectContaining({ option: 'routes' }),
    );
    if (!amtool) return;
    expect(checkConfig('route:\n  receiver: nobody\nreceivers: []\n')).not.toBe('');
  });
});

describe('alertmanagerNotifier against a real Alertmanager', () => {
  let am: ChildProcess | undefined;
  let url = '';
  beforeAll(async () => {
    if (!alertmanagerBinary) return;
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dir = mkdtempSync(join(tmpdir(), 'obs-am-run-'));
    writeFileSync(
      join(dir, 'am.yml'),
      toAlertmanagerConfig({ receiver: 'webhook' }, [receivers[3]!]),
    );
    am = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${join(dir, 'am.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000; // a hang guard: a busy machine starts it slowly
    while (Date.now() < deadline) {
      const ready = await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('alertmanager did not start within 60 s');
  }, 90_000);
  afterAll(() => {
    am?.kill();
  });

  it('pushes an in-process alert that appears in /api/v2/alerts, and resolves it', async () => {
    if (!alertmanagerBinary && missing('prometheus-alertmanager')) return;
    const notifier = alertmanagerNotifier({
      url,
      generatorURL: 'http://analytics:3000/alerts',
      retries: 0,
      timeoutMs: 60_000, // one attempt: long enough for a busy machine
    });
    const now = Date.now();
    const alert: Alert = {
      id: 'a1',
      name: 'HighErrorRate',
      fingerprint: 'HighErrorRate{}',
      state: 'firing',
      severity: 'critical',
      labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'analytics' },
      annotations: { summary: 'Error rate is 12%' },
      value: 0.12,
      source: 'rule',
      activeAt: now,
      startsAt: now,
      endsAt: undefined,
      lastNotifiedAt: undefined,
      silencedUntil: undefined,
      acknowledgedBy: undefined,
    };
    try {
      await notifier.notify(alert, 'firing');
      const active = (await (await fetch(`${url}/api/v2/alerts`)).json()) as {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        generatorURL: string;
        status: { state: string };
      }[];
      expect(active).toEqual([
        expect.objectContaining({
          labels: alert.labels,
          annotations: { summary: 'Error rate is 12%' },
          generatorURL: 'http://analytics:3000/alerts',
          status: expect.objectContaining({ state: 'active' }),
        }),
      ]);
      await notifier.notify({ ...alert, state: 'resolved', endsAt: Date.now() }, 'resolved');
      // Resolved once its end time (at least 1 ms after the start) has passed: poll for that.
      const stillActive = async () =>
        (await (await fetch(`${url}/api/v2/alerts?active=true`)).json()) as unknown[];
      const until = Date.now() + 30_000;
      let after = await stillActive();
      while (after.length > 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = await stillActive();
      }
      expect(after).toEqual([]);
    } finally {
      notifier.close();
    }
  }, 30_000);
});
