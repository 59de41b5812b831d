import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import {
  alertmanagerNotifier,
  toAlertmanagerConfig,
  type Receiver,
  type Route,
} from './alertmanager';
import { routeReceivers, type Alert } from './engine';
import { emailNotifier, pagerDutyNotifier, slackNotifier } from './integrations';
import { webhookNotifier } from './notifiers';
import { accepts } from './accepts.fixture';

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

/** A firing HighErrorRate alert of `severity`, as the engine hands it to a notifier. */
function highErrorRate(severity: 'warning' | 'critical', service: string, value: number): Alert {
  const now = Date.now();
  return {
    id: `${service}-${severity}`,
    name: 'HighErrorRate',
    fingerprint: `HighErrorRate{severity="${severity}",service="${service}"}`,
    state: 'firing',
    severity,
    labels: { alertname: 'HighErrorRate', severity, service },
    annotations: { summary: `Error rate is ${Math.round(value * 100)}%` },
    value,
    source: 'rule',
    activeAt: now,
    startsAt: now,
    endsAt: undefined,
    lastNotifiedAt: undefined,
    silencedUntil: undefined,
    acknowledgedBy: undefined,
  };
}

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
    const alert = highErrorRate('critical', 'analytics', 0.12);
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

  it('inhibits the warning of HighErrorRate while its critical fires (one alertname, two severities)', async () => {
    if (!alertmanagerBinary && missing('prometheus-alertmanager')) return;
    const notifier = alertmanagerNotifier({ url, retries: 0, timeoutMs: 60_000 });
    const alert = (severity: 'warning' | 'critical') => highErrorRate(severity, 'inhibition', 0.5);
    type Listed = {
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
    };
    const list = async () =>
      ((await (await fetch(`${url}/api/v2/alerts`)).json()) as Listed[]).filter(
        (a) => a.labels.service === 'inhibition',
      );
    try {
      await notifier.notify(alert('warning'), 'firing');
      await notifier.notify(alert('critical'), 'firing');
      // Alertmanager marks inhibition as it processes the alerts: poll (bounded) for it.
      const until = Date.now() + 20_000;
      let listed = await list();
      while (!listed.some((a) => a.status.state === 'suppressed') && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        listed = await list();
      }
      const bySeverity = Object.fromEntries(
        listed.map((a): [string, Listed['status']] => [a.labels.severity ?? '', a.status]),
      );
      expect(bySeverity.critical).toMatchObject({ state: 'active', inhibitedBy: [] });
      expect(bySeverity.warning).toMatchObject({ state: 'suppressed' });
      expect(bySeverity.warning!.inhibitedBy).toHaveLength(1);
      for (const severity of ['warning', 'critical'] as const)
        await notifier.notify(
          { ...alert(severity), state: 'resolved', endsAt: Date.now() },
          'resolved',
        );
    } finally {
      notifier.close();
    }
  }, 30_000);
});

describe('the export and Alertmanager accept the same settings', () => {
  it('route durations: exactly those amtool check-config accepts', () => {
    if (!amtool && missing('amtool')) return;
    const durations = [
      '0',
      '30s',
      '1h30m',
      '1w',
      '2w3d',
      '1y',
      '250ms',
      '',
      '1.5h',
      '30m1h',
      '0s',
      '292y',
      '293y',
    ];
    const options = [
      ['groupWait', 'group_wait'],
      ['groupInterval', 'group_interval'],
      ['repeatInterval', 'repeat_interval'],
    ] as const;
    const ours: [string, string, boolean][] = [];
    const theirs: [string, string, boolean][] = [];
    for (const [option, key] of options)
      for (const d of durations) {
        ours.push([
          option,
          d,
          accepts(() => toAlertmanagerConfig({ receiver: 'team', [option]: d }, [receivers[0]!])),
        ]);
        const yaml = `route:\n  receiver: team\n  ${key}: ${JSON.stringify(d)}\nreceivers:\n  - name: team\n`;
        theirs.push([option, d, checkConfig(yaml) === '']);
      }
    expect(ours).toEqual(theirs);
    expect(theirs.filter(([, , ok]) => !ok).length).toBeGreaterThan(options.length * 3);
  });

  it('receivers: the notifier and the export accept alike, and amtool accepts all they accept', () => {
    if (!amtool && missing('amtool')) return;
    // Each case: our receiver, its notifier, the same settings as Alertmanager YAML written by
    // hand (so amtool judges what we refuse too), and whether we are deliberately stricter.
    type Case = [Receiver, () => unknown, Record<string, unknown>, 'stricter'?];
    const cases: Case[] = [];
    for (const [routingKey, stricter] of [
      ['0123456789abcdef0123456789abcdef'],
      ['R0123456789ABCDEF0123456789abcde'],
      ['short', 'stricter'],
      [''],
    ] as const)
      cases.push([
        { name: 'pd', pagerduty: { routingKey } },
        () => pagerDutyNotifier({ routingKey }),
        { pagerduty_configs: [{ routing_key: routingKey }] },
        stricter,
      ]);
    for (const url of [
      'http://127.0.0.1:3000/hook',
      'https://example.com/x',
      'ftp://example.com/x',
      'not a url',
      'http:foo',
      'http:///foo',
    ])
      cases.push([
        { name: 'hook', webhook: { url } },
        () => webhookNotifier({ url }),
        { webhook_configs: [{ url }] },
      ]);
    for (const apiUrl of ['https://hooks.slack.com/services/T/B/X', 'file:///etc/passwd'])
      cases.push([
        { name: 'slack', slack: { apiUrl, channel: '#alerts' } },
        () => slackNotifier({ webhookUrl: apiUrl }),
        { slack_configs: [{ api_url: apiUrl, channel: '#alerts' }] },
      ]);
    for (const [to, from, smarthost, stricter] of [
      ['ops@example.com', 'alerts@example.com', 'smtp.example.com:587'],
      ['ops@example.com, Dev <dev@example.com>', 'Alerts <alerts@example.com>', '[::1]:25'],
      ['"Doe, Jane" <jane@example.com>', 'alerts@example.com', '127.0.0.1:25'],
      ['ops', 'alerts@example.com', 'smtp.example.com:587', 'stricter'],
      ['ops@example.com', '', 'smtp.example.com:587'],
      ['ops@example.com', 'alerts@example.com', 'smtp.example.com'],
    ] as const)
      cases.push([
        { name: 'mail', email: { to, from, smarthost } },
        () => emailNotifier({ smtp: { host: 'smtp.example.com', port: 587 }, to, from }).close(),
        { email_configs: [{ to, from, smarthost }] },
        stricter,
      ]);
    const results = cases.map(([receiver, notifier, raw, stricter]) => {
      const yaml = stringify({
        route: { receiver: receiver.name },
        receivers: [{ name: receiver.name, ...raw }],
      });
      return {
        receiver,
        notifier: accepts(notifier),
        exported: accepts(() => toAlertmanagerConfig({ receiver: receiver.name }, [receiver])),
        amtool: checkConfig(yaml) === '',
        stricter: stricter === 'stricter',
      };
    });
    for (const { receiver, notifier, exported, amtool, stricter } of results) {
      // smarthost is not the notifier's (nodemailer takes host and port apart)
      if (!('email' in receiver && receiver.email.smarthost === 'smtp.example.com'))
        expect({ receiver, notifier }).toEqual({ receiver, notifier: exported });
      expect({ receiver, amtool }).toEqual({ receiver, amtool: exported || stricter });
    }
    expect(results.filter((r) => !r.amtool).length).toBe(8); // amtool refuses some, too
  });

  it('routes: the engine routes as `amtool config routes test` does, RegExp flags included', () => {
    if (!amtool && missing('amtool')) return;
    const tree: Route = {
      receiver: 'team',
      routes: [
        { receiver: 'pager', matchers: { severity: 'critical' }, continue: true },
        { receiver: 'ci', matchers: { team: /API-CI/i } },
        { receiver: 'security', matchers: { category: /sec.*/, env: { not: 'dev' } } },
        {
          receiver: 'db',
          matchers: { component: 'database' },
          routes: [{ receiver: 'dba', matchers: { severity: /warn|crit.*/ } }],
        },
      ],
    };
    const names = ['team', 'pager', 'ci', 'security', 'db', 'dba'];
    const yaml = toAlertmanagerConfig(
      tree,
      names.map((name) => ({ name, webhook: { url: `http://127.0.0.1:9/${name}` } })),
    );
    const file = join(mkdtempSync(join(tmpdir(), 'obs-am-routes-')), 'am.yml');
    writeFileSync(file, yaml);
    const labelSets: Record<string, string>[] = [
      { severity: 'warning' },
      { severity: 'critical' },
      { team: 'api-ci' },
      { team: 'API-CI', severity: 'critical' },
      { team: 'api-ci-2' },
      { category: 'security' },
      { category: 'security', env: 'dev' },
      { category: 'Security' },
      { component: 'database', severity: 'warning' },
      { component: 'database', severity: 'info' },
      { component: 'database', severity: 'critical' },
    ];
    for (const labels of labelSets) {
      const res = spawnSync(
        'amtool',
        [
          'config',
          'routes',
          'test',
          `--config.file=${file}`,
          ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
        ],
        { encoding: 'utf8' },
      );
      expect(res.status).toBe(0);
      const theirs = res.stdout.trim().split(',').sort();
      expect({ labels, receivers: routeReceivers(tree, labels).sort() }).toEqual({
        labels,
        receivers: theirs,
      });
    }
  });
});
