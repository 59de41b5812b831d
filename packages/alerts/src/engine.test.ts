import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { setInternalErrorHandler } from '@obs/core';
import { Registry, Counter } from 'prom-client';
import {
  createAlertEngine,
  routeReceivers,
  type AlertEngineOptions,
  type AlertRoute,
  type Alert,
  type NotificationKind,
  type Notifier,
} from './engine';
import { webhookNotifier } from './notifiers';
import { rate, ratio, sum, value } from './query';
import type { Sample } from './query';
import { above, defineRule } from './rules';
import { registrySource, SampleHistory } from './source';

/** A source whose samples the test sets, and a clock the test moves. */
function fixture() {
  let samples: Sample[] = [];
  let t = 1_000_000;
  const sent: [string, NotificationKind][] = [];
  const recorder: Notifier = {
    name: 'recorder',
    notify: (alert, kind) => {
      sent.push([alert.name, kind]);
      return Promise.resolve();
    },
  };
  const source = { collect: () => samples };
  const now = () => t;
  return {
    set: (queue: number) =>
      (samples = [{ name: 'queue_size', labels: { queue: 'jobs' }, value: queue }]),
    source,
    now,
    advance: (ms: number) => (t += ms),
    sent,
    recorder,
    /** An engine on this source and clock that notifies the recorder. */
    engine: (options: Omit<AlertEngineOptions, 'source'>) =>
      createAlertEngine({ source, notifiers: [recorder], now, ...options }),
  };
}

const queueRule = (options: { for?: string; cooldown?: string } = {}) =>
  defineRule({
    name: 'HighQueueSize',
    query: value('queue_size'),
    condition: above(100),
    severity: 'warning',
    annotations: { summary: '{{ $value }} waiting in {{ $labels.queue }}' },
    ...options,
  });

describe('createAlertEngine lifecycle (fake clock)', () => {
  it('goes pending, fires after `for`, and resolves when the condition clears', async () => {
    const f = fixture();
    const engine = f.engine({ rules: [queueRule({ for: '1m' })] });
    f.set(500);
    await engine.tick();
    expect(engine.alerts()).toMatchObject([{ state: 'pending', value: 500 }]);
    f.advance(30_000);
    await engine.tick();
    expect(engine.alerts()[0]!.state).toBe('pending');
    f.advance(30_000);
    await engine.tick();
    const [firing] = engine.alerts();
    expect(firing).toMatchObject({
      state: 'firing',
      annotations: { summary: '500 waiting in jobs' },
      labels: { queue: 'jobs', severity: 'warning' },
    });
    f.set(3);
    f.advance(1000);
    await engine.tick();
    await engine.idle();
    expect(engine.alerts()).toEqual([]);
    expect(f.sent).toEqual([
      ['HighQueueSize', 'firing'],
      ['HighQueueSize', 'resolved'],
    ]);
    expect((await engine.history())[0]).toMatchObject({ state: 'resolved', name: 'HighQueueSize' });
  });

  it('a condition that clears while pending never notifies', async () => {
    const f = fixture();
    const engine = f.engine({ rules: [queueRule({ for: '1m' })] });
    f.set(500);
    await engine.tick();
    f.set(1);
    f.advance(10_000);
    await engine.tick();
    await engine.idle();
    expect(engine.alerts()).toEqual([]);
    expect(f.sent).toEqual([]);
  });

  it('does not notify again when it flaps back inside the cooldown', async () => {
    const f = fixture();
    const engine = f.engine({ rules: [queueRule({ cooldown: '5m' })] });
    for (const [queue, ms] of [
      [500, 0],
      [1, 1000],
      [500, 1000],
      [1, 1000],
      [500, 1000],
    ] as const) {
      f.set(queue);
      f.advance(ms);
      await engine.tick();
    }
    await engine.idle();
    expect(f.sent).toEqual([
      ['HighQueueSize', 'firing'],
      ['HighQueueSize', 'resolved'],
    ]);
    f.set(1);
    f.advance(1000);
    await engine.tick();
    f.set(500);
    f.advance(6 * 60_000); // past the cooldown
    await engine.tick();
    await engine.idle();
    expect(f.sent.at(-1)).toEqual(['HighQueueSize', 'firing']);
  });

  it('repeats at repeatInterval; acknowledging stops repeats; silencing suppresses until it ends', async () => {
    const f = fixture();
    const engine = f.engine({
      rules: [queueRule()],
      repeatIntervalMs: 60_000,
    });
    f.set(500);
    await engine.tick();
    f.advance(60_000);
    await engine.tick(); // repeat
    await engine.idle();
    expect(f.sent).toHaveLength(2);
    const id = engine.alerts()[0]!.id;
    engine.acknowledge(id, 'oncall@example.com');
    f.advance(120_000);
    await engine.tick();
    await engine.idle();
    expect(f.sent).toHaveLength(2);
    expect(engine.get(id)).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'oncall@example.com',
    });
    engine.silence(id, 30_000);
    f.advance(10_000);
    await engine.tick();
    await engine.idle();
    expect(f.sent).toHaveLength(2);
    f.advance(30_000); // the silence ends, still firing: notified again
    await engine.tick();
    await engine.idle();
    expect(f.sent).toHaveLength(3);
  });

  it('a silenced pending alert keeps its `for` and its startsAt, fires quietly, and speaks when the silence ends', async () => {
    const f = fixture();
    const engine = f.engine({ rules: [queueRule({ for: '60s' })] });
    f.set(500);
    await engine.tick(); // pending
    const id = engine.alerts()[0]!.id;
    expect(engine.silence(id, 5_000)).toMatchObject({ state: 'pending' });
    f.advance(6_000);
    await engine.tick(); // the silence is over, but `for` is not
    expect(engine.get(id)).toMatchObject({ state: 'pending', startsAt: undefined });
    engine.silence(id, 120_000);
    f.advance(54_000);
    await engine.tick(); // `for` held: it fires, silenced
    const firedAt = f.now();
    expect(engine.get(id)).toMatchObject({ state: 'silenced', startsAt: firedAt });
    await engine.idle();
    expect(f.sent).toEqual([]);
    f.advance(120_000);
    await engine.tick(); // the silence ends: firing, announced, startsAt unchanged
    await engine.idle();
    expect(engine.get(id)).toMatchObject({ state: 'firing', startsAt: firedAt });
    expect(f.sent).toEqual([['HighQueueSize', 'firing']]);
  });

  it("updateAlert(id, { state: 'silenced' }) silences for defaultSilenceMs; then, announced before, it repeats on its interval", async () => {
    const f = fixture();
    const engine = f.engine({
      rules: [queueRule()],
      defaultSilenceMs: 600_000,
    });
    f.set(500);
    await engine.tick();
    const id = engine.alerts()[0]!.id;
    expect(engine.updateAlert(id, { state: 'silenced' })).toMatchObject({
      state: 'silenced',
      silencedUntil: f.now() + 600_000,
    });
    f.advance(600_000);
    await engine.tick();
    await engine.idle();
    // Firing again, but already announced: as Alertmanager, no new message before the repeat.
    expect(engine.get(id)).toMatchObject({ state: 'firing', silencedUntil: undefined });
    expect(f.sent).toEqual([['HighQueueSize', 'firing']]);
    f.advance(4 * 3_600_000 - 600_000);
    await engine.tick();
    await engine.idle();
    expect(f.sent).toEqual([
      ['HighQueueSize', 'firing'],
      ['HighQueueSize', 'firing'],
    ]);
  });

  it('ends the silence of a manual alert too: it is firing again when the silence is over', async () => {
    const f = fixture();
    const engine = f.engine({
      rules: [],
      defaultSilenceMs: 60_000,
    });
    const { id } = engine.triggerAlert('Backup failed', 'nightly backup', 'critical');
    expect(engine.updateAlert(id, { state: 'silenced' })).toMatchObject({ state: 'silenced' });
    f.advance(59_000);
    await engine.tick();
    expect(engine.get(id)!.state).toBe('silenced');
    f.advance(1_000);
    await engine.tick();
    await engine.idle();
    expect(engine.get(id)).toMatchObject({ state: 'firing', silencedUntil: undefined });
    expect(engine.alerts({ state: 'firing' }).map((a) => a.id)).toEqual([id]);
    expect(f.sent).toEqual([['Backup failed', 'firing']]); // announced once, at the trigger
  });

  it("unsilences a pending alert with updateAlert(id, { state: 'firing' }): it then fires aloud", async () => {
    const f = fixture();
    const engine = f.engine({ rules: [queueRule({ for: '60s' })] });
    f.set(500);
    await engine.tick();
    const id = engine.alerts()[0]!.id;
    engine.silence(id, 3_600_000);
    expect(engine.updateAlert(id, { state: 'firing' })).toMatchObject({
      state: 'pending',
      silencedUntil: undefined,
    });
    f.advance(60_000);
    await engine.tick();
    await engine.idle();
    expect(f.sent).toEqual([['HighQueueSize', 'firing']]);
  });

  it('supports seed 003’s manual alerts: trigger, update, resolve', async () => {
    const f = fixture();
    const engine = f.engine({ rules: [] });
    const alert = engine.triggerAlert('Backup failed', 'nightly backup exited 2', 'critical', {
      job: 'backup',
    });
    expect(alert).toMatchObject({
      state: 'firing',
      source: 'manual',
      labels: { job: 'backup', severity: 'critical' },
    });
    engine.updateAlert(alert.id, { message: 'retrying at 03:00' });
    expect(engine.get(alert.id)!.annotations.description).toBe('retrying at 03:00');
    engine.resolveAlert(alert.id, 'backup re-ran fine');
    await engine.idle();
    expect(f.sent).toEqual([
      ['Backup failed', 'firing'],
      ['Backup failed', 'resolved'],
    ]);
    expect((await engine.history())[0]!.annotations.resolution).toBe('backup re-ran fine');
  });
});

describe('the alert store', () => {
  it('keeps each resolved alert, and idle() waits until the store has written it', async () => {
    const f = fixture();
    const rows = new Map<string, string>();
    const store = {
      save: async (alert: Alert) => {
        await new Promise((r) => setTimeout(r, 50)); // a slow database
        rows.set(alert.id, alert.state);
      },
      history: () => [],
    };
    const engine = createAlertEngine({ source: f.source, rules: [], notifiers: [], store });
    const alert = engine.triggerAlert('Disk full', '/var at 99%', 'warning', {});
    engine.resolveAlert(alert.id, 'cleaned up');
    await engine.idle(); // waits for the write, not only the notifications
    expect(rows.get(alert.id)).toBe('resolved');
  });

  it('lets history read the writes made before it, and reports a failing store instead of throwing', async () => {
    const f = fixture();
    const rows: Alert[] = [];
    const database = {
      save: async (alert: Alert) => {
        await new Promise((r) => setTimeout(r, 20));
        rows.unshift({ ...alert });
      },
      history: (n: number) => rows.slice(0, n),
    };
    const engine = createAlertEngine({
      source: f.source,
      rules: [],
      notifiers: [],
      store: database,
    });
    const alert = engine.triggerAlert('Backup failed', 'exit 2', 'critical', {});
    engine.resolveAlert(alert.id, 'fixed');
    expect((await engine.history(1))[0]).toMatchObject({ id: alert.id, state: 'resolved' });

    const broken = createAlertEngine({
      source: f.source,
      rules: [],
      notifiers: [],
      store: {
        save: () => {
          throw new Error('database down');
        },
        history: () => [],
      },
    });
    const reported: string[] = [];
    setInternalErrorHandler((err, where) => reported.push(`${where}: ${(err as Error).message}`));
    try {
      const stuck = broken.triggerAlert('Queue stuck', 'no progress', 'warning', {});
      expect(() => broken.resolveAlert(stuck.id, 'moving again')).not.toThrow();
      await broken.idle();
      expect(reported).toEqual(['@obs/alerts: store: database down']);
    } finally {
      setInternalErrorHandler(undefined);
    }
  });
});

describe('a store that never answers', () => {
  it('is waited on for 5 s at most by idle() and history(), and reported', async () => {
    jest.useFakeTimers({
      doNotFake: ['performance', 'queueMicrotask', 'nextTick', 'setImmediate'],
    });
    const reported: string[] = [];
    setInternalErrorHandler((err, where) => reported.push(`${where}: ${(err as Error).message}`));
    try {
      const f = fixture();
      const engine = createAlertEngine({
        source: f.source,
        rules: [],
        notifiers: [],
        store: { save: () => new Promise<void>(() => undefined), history: () => [] },
      });
      const alert = engine.triggerAlert('Disk full', '/var at 99%', 'warning', {});
      engine.resolveAlert(alert.id);
      let settled = false;
      const idle = engine.idle().then(() => (settled = true));
      await jest.advanceTimersByTimeAsync(4900);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(200);
      await idle;
      expect(reported).toEqual(['@obs/alerts: store: save did not answer within 5000 ms']);
      expect(await engine.history()).toEqual([]);
      engine.stop();
    } finally {
      jest.useRealTimers();
      setInternalErrorHandler(undefined);
    }
  });
});

describe('notifiers', () => {
  const received: { body: { status: string; alerts: { labels: Record<string, string> }[] } }[] = [];
  let failures = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/down') {
        failures++;
        res.writeHead(503).end();
        return;
      }
      if (req.url === '/slow') {
        setTimeout(() => res.writeHead(200).end(), 2000);
        return;
      }
      received.push({ body: JSON.parse(body) as never });
      res.writeHead(200).end();
    });
  });
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('retries a notifier that is down, counts its failure, and delays neither evaluation nor the others', async () => {
    const f = fixture();
    const engine = createAlertEngine({
      source: f.source,
      rules: [queueRule()],
      now: f.now,
      notifiers: [
        webhookNotifier({ name: 'down', url: `${base}/down`, retries: 2, backoffMs: 10 }),
        webhookNotifier({ name: 'slow', url: `${base}/slow`, timeoutMs: 100, retries: 0 }),
        webhookNotifier({ name: 'ok', url: `${base}/ok` }),
      ],
    });
    f.set(500);
    await engine.tick();
    // The tick is over while every delivery is still under way: evaluation never waits for them.
    expect(engine.stats()).toEqual({
      down: { sent: 0, failed: 0 },
      slow: { sent: 0, failed: 0 },
      ok: { sent: 0, failed: 0 },
    });
    await engine.idle();
    expect(failures).toBe(3); // one try and two retries
    expect(engine.stats()).toEqual({
      down: { sent: 0, failed: 1 },
      slow: { sent: 0, failed: 1 },
      ok: { sent: 1, failed: 0 },
    });
    expect(received[0]!.body).toMatchObject({
      status: 'firing',
      alerts: [{ labels: { alertname: 'HighQueueSize', queue: 'jobs' } }],
    });
  });
});

describe('reading a prom-client registry', () => {
  it('evaluates an error-rate rule over a live registry, and keeps only its window', async () => {
    const registry = new Registry();
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'h',
      labelNames: ['status'],
      registers: [registry],
    });
    let t = 0;
    const errorRate = defineRule({
      name: 'HighErrorRate',
      query: ratio(
        sum(rate('http_requests_total', '1m', { status: /5../ })),
        sum(rate('http_requests_total', '1m')),
      ),
      condition: above(0.05),
      severity: 'critical',
      annotations: { summary: 'error rate {{ $value | humanizePercentage }}' },
    });
    const fired: Alert[] = [];
    const engine = createAlertEngine({
      source: registrySource(registry),
      rules: [errorRate],
      now: () => t,
      notifiers: [{ name: 'r', notify: (a) => (fired.push(a), Promise.resolve()) }],
    });
    for (let second = 0; second <= 120; second++) {
      requests.inc({ status: '200' }, 9);
      if (second > 60) requests.inc({ status: '500' }, 1);
      t = second * 1000;
      await engine.tick();
    }
    await engine.idle();
    expect(fired[0]!.annotations.summary).toMatch(/^error rate \d+(\.\d+)?%$/);
    expect(engine.alerts()[0]!.value).toBeCloseTo(0.1, 2);
  });

  it('holds no more points than the rules’ windows need', () => {
    const history = new SampleHistory(new Map([['c', 10_000]]));
    for (let i = 0; i < 1000; i++) history.record([{ name: 'c', labels: {}, value: i }], i * 1000);
    expect(history.size).toBeLessThanOrEqual(12);
  });

  it('keeps one series per label set, whatever order a source lists samples and labels in', () => {
    const history = new SampleHistory(new Map([['c_total', 60_000]]));
    history.record(
      [
        { name: 'c_total', labels: { route: '/a', status: '200' }, value: 1 },
        { name: 'c_total', labels: { route: '/b', status: '200' }, value: 10 },
      ],
      1000,
    );
    history.record(
      [
        { name: 'c_total', labels: { status: '200', route: '/b' }, value: 15 },
        { name: 'c_total', labels: { route: '/a', status: '200' }, value: 3 },
      ],
      2000,
    );
    expect(history.summaries('c_total', 60_000)).toEqual([
      expect.objectContaining({ labels: { route: '/a', status: '200' }, firstV: 1, lastV: 3 }),
      expect.objectContaining({ labels: { route: '/b', status: '200' }, firstV: 10, lastV: 15 }),
    ]);
  });

  it('reads the window of the scrape just recorded, resets handled, once old points are dropped', () => {
    const history = new SampleHistory(new Map([['c_total', 10_000]]));
    for (let i = 0; i <= 100; i++) {
      const value = i < 95 ? i * 2 : (i - 95) * 2; // restarts from 0 at i = 95
      history.record([{ name: 'c_total', labels: {}, value }], i * 1000);
      const s = history.summaries('c_total', 10_000)[0]!;
      // last − first, plus the value before the reset while the reset is in the window
      expect(s.lastV - s.firstV + s.resets).toBe(
        i < 95 ? Math.min(i, 10) * 2 : 9 * 2, // the reset's step adds 0
      );
    }
    expect(history.range('c_total', 3000)).toEqual([
      {
        labels: {},
        points: [
          [97_000, 4],
          [98_000, 6],
          [99_000, 8],
          [100_000, 10],
        ],
      },
    ]);
  });
});

describe('routing and inhibition', () => {
  it('routes by labels like Alertmanager: first matching child, continue, default receiver', () => {
    const route: AlertRoute = {
      receiver: 'team',
      routes: [
        { receiver: 'pager', matchers: { severity: 'critical' }, continue: true },
        { receiver: 'security', matchers: { category: 'security' } },
        { receiver: 'never', matchers: { category: /sec.*/ } },
      ],
    };
    expect(routeReceivers(route, { severity: 'warning' })).toEqual(['team']);
    expect(routeReceivers(route, { severity: 'critical' })).toEqual(['pager']);
    expect(routeReceivers(route, { severity: 'critical', category: 'security' })).toEqual([
      'pager',
      'security',
    ]);
    expect(routeReceivers(route, { category: 'security' })).toEqual(['security']);
  });

  it('sends each alert only to its routed notifiers, and a critical keeps its warning quiet', async () => {
    const f = fixture();
    const got: Record<string, string[]> = { team: [], pager: [] };
    const notifier = (name: string): Notifier => ({
      name,
      notify: (a) => {
        got[name]!.push(`${a.name}/${a.severity}`);
        return Promise.resolve();
      },
    });
    const critical = defineRule({
      name: 'HighQueueSize',
      query: value('queue_size'),
      condition: above(1000),
      severity: 'critical',
      annotations: { summary: 's' },
    });
    const engine = createAlertEngine({
      source: f.source,
      rules: [queueRule(), critical],
      notifiers: [notifier('team'), notifier('pager')],
      routes: {
        receiver: 'team',
        routes: [{ receiver: 'pager', matchers: { severity: 'critical' } }],
      },
      now: f.now,
    });
    f.set(5000); // both conditions hold: the critical fires, and inhibits the warning
    await engine.tick();
    await engine.idle();
    expect(got).toEqual({ team: [], pager: ['HighQueueSize/critical'] });
    expect(() =>
      createAlertEngine({
        source: f.source,
        rules: [],
        notifiers: [],
        routes: { receiver: 'nobody' },
      }),
    ).toThrow(expect.objectContaining({ option: 'routes' }));
  });
});

describe('one condition, two severities', () => {
  const rules = [
    queueRule(),
    defineRule({
      name: 'HighQueueSize',
      query: value('queue_size'),
      condition: above(400),
      severity: 'critical',
      annotations: { summary: 's' },
    }),
  ];
  const severities = (sent: Alert[]) => sent.map((a) => `${a.severity} ${a.state}`);

  it.each(['acknowledge', 'silence'] as const)(
    'a critical that people %s still keeps its warning quiet, as in Alertmanager',
    async (action) => {
      const f = fixture();
      const sent: Alert[] = [];
      const engine = createAlertEngine({
        source: f.source,
        rules,
        notifiers: [{ name: 'n', notify: (a) => (sent.push(a), Promise.resolve()) }],
        now: f.now,
      });
      f.set(500);
      await engine.tick();
      await engine.idle();
      expect(severities(sent)).toEqual(['critical firing']);
      const critical = engine.alerts({ severity: 'critical' })[0]!;
      if (action === 'acknowledge') engine.acknowledge(critical.id, 'ana');
      else engine.silence(critical.id, 3_600_000);
      for (let i = 0; i < 5; i++) {
        f.advance(60_000);
        await engine.tick();
      }
      await engine.idle();
      expect(severities(sent)).toEqual(['critical firing']);
      expect(engine.alerts({ severity: 'warning' })[0]).toMatchObject({
        state: 'firing',
        lastNotifiedAt: undefined, // nothing was sent for it
      });
    },
  );

  it("keeps the rule's severity and name whatever labels the samples carry", async () => {
    const f = fixture();
    // Samples labelled severity="high", alertname="x": the rules' labels win, as in Prometheus.
    const source = {
      collect: () => [
        {
          name: 'queue_size',
          labels: { queue: 'jobs', severity: 'high', alertname: 'x' },
          value: 500,
        },
      ],
    };
    const engine = createAlertEngine({ source, rules, now: f.now });
    await engine.tick();
    expect(
      engine
        .alerts()
        .map((a) => [a.labels.alertname, a.labels.severity])
        .sort(),
    ).toEqual([
      ['HighQueueSize', 'critical'],
      ['HighQueueSize', 'warning'],
    ]);
  });
});

describe('grouping', () => {
  it('sends alerts with equal groupBy labels as one group after groupWait, and later ones after groupInterval', async () => {
    jest.useFakeTimers({
      doNotFake: ['performance', 'queueMicrotask', 'nextTick', 'setImmediate'],
    });
    try {
      const groupsSent: { alerts: string[]; labels: Record<string, string> }[] = [];
      const grouped: Notifier = {
        name: 'team',
        notify: () => Promise.reject(new Error('grouped routes use notifyGroup')),
        notifyGroup: (alerts, _kind, labels) => {
          groupsSent.push({ alerts: alerts.map((a) => a.labels.queue!), labels });
          return Promise.resolve();
        },
      };
      let queues: Sample[] = [];
      const engine = createAlertEngine({
        source: { collect: () => queues },
        rules: [queueRule()],
        notifiers: [grouped],
        routes: { receiver: 'team', groupBy: ['alertname'], groupWait: '10s', groupInterval: '1m' },
      });
      const q = (name: string) => ({ name: 'queue_size', labels: { queue: name }, value: 500 });
      queues = [q('jobs'), q('emails')];
      await engine.tick();
      expect(groupsSent).toEqual([]); // waiting for more
      jest.advanceTimersByTime(10_000);
      await engine.idle();
      expect(groupsSent).toEqual([
        { alerts: ['jobs', 'emails'], labels: { alertname: 'HighQueueSize' } },
      ]);
      queues = [q('jobs'), q('emails'), q('exports')];
      await engine.tick();
      jest.advanceTimersByTime(30_000);
      await engine.idle();
      expect(groupsSent).toHaveLength(1); // inside the group interval
      jest.advanceTimersByTime(30_000);
      await engine.idle();
      expect(groupsSent[1]).toEqual({
        alerts: ['exports'],
        labels: { alertname: 'HighQueueSize' },
      });
      engine.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
