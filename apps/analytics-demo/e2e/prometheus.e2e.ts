// Issue 10, part 1: a real Prometheus (Debian's `prometheus`) scrapes the demo and loads the
// committed rules (monitoring/alerts/rules.yml); after known traffic, PromQL over the demo's
// series counts exactly what was sent, per route template; and `promtool check metrics` finds
// nothing to say about the live /metrics. Issue 11: every expression of the committed Grafana
// dashboards (monitoring/grafana/dashboards/) runs on that Prometheus, with data where the
// traffic feeds it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTarget, eventBatch, type Target } from '../scripts/traffic';
import { alertRules, JOB } from '../src/alert-rules';
import {
  ADMIN_TOKEN,
  APP_DIR,
  promQuery,
  type PromSample,
  record,
  startDemo,
  waitUntil,
  type Demo,
  type Server,
  startPrometheus,
} from './harness';

const RULES = resolve(APP_DIR, '../../monitoring/alerts/rules.yml');
const DASHBOARDS = resolve(APP_DIR, '../../monitoring/grafana/dashboards');
const WORKSPACE = 'prom';
const CREDITS = '/api/v1/workspaces/:workspaceId/credits';
const ANALYTICS = '/api/v1/workspaces/:workspaceId/analytics';

let demo: Demo | undefined;
let prometheus: Server | undefined;
let target: Target;
let firstScrapeMs = 0;

/** Waits for a scrape of the demo that began after `ms` (epoch milliseconds, this machine's clock). */
async function scrapedAfter(ms: number): Promise<void> {
  await waitUntil(
    async () => {
      const [up] = await promQuery(prometheus!, `timestamp(up{job="${JOB}"})`);
      return Number(up?.value[1]) * 1000 > ms;
    },
    60_000,
    'a scrape after the round',
  );
}

/** `sum by (route, status) (http_requests_total)` as `route status → count`. */
async function countsByRoute(server: Server): Promise<Map<string, number>> {
  const result = await promQuery(server, 'sum by (route, status) (http_requests_total)');
  return new Map(
    result.map((s) => [`${s.metric.route} ${s.metric.status}`, Number(s.value[1])] as const),
  );
}

beforeAll(async () => {
  demo = await startDemo();
  target = await createTarget(demo.url, ADMIN_TOKEN, WORKSPACE);
  const t0 = performance.now();
  prometheus = await startPrometheus({ demoPort: demo.port, rules: readFileSync(RULES, 'utf8') });
  // /-/ready comes seconds before the first scrape (service discovery hands out targets late).
  const server = prometheus;
  await waitUntil(
    async () => (await promQuery(server, `up{job="${JOB}"} == 1`)).length > 0,
    30_000,
    'first successful scrape',
  );
  firstScrapeMs = performance.now() - t0;
});

afterAll(async () => {
  await Promise.allSettled([prometheus?.stop(), demo?.stop()]);
});

describe('Prometheus scrapes the demo', () => {
  it('loads the exported rules from monitoring/alerts/rules.yml', async () => {
    const res = await fetch(`${prometheus!.url}/api/v1/rules?type=alert`);
    const body = (await res.json()) as {
      data: { groups: { file: string; rules: { name: string; health: string }[] }[] };
    };
    const loaded = body.data.groups.flatMap((g) => g.rules);
    const names = loaded.map((r) => r.name).sort();
    expect(names).toContain('HighErrorRate');
    // Every rule the TypeScript defines, and nothing else, each evaluated without error.
    expect(names).toEqual(
      alertRules()
        .map((r) => r.name)
        .sort(),
    );
    for (const rule of loaded) expect(rule.health).not.toBe('err');
    record(
      'prometheus',
      'exported rules loaded',
      `${loaded.length} alerting rules from monitoring/alerts/rules.yml (HighErrorRate, …), none in error; first scrape ${(firstScrapeMs / 1000).toFixed(1)} s after start`,
    );
  });

  it('counts the requests sent, per route template and status', async () => {
    const server = prometheus!;
    const before = await countsByRoute(server);
    const get = (path: string, key = target.key) =>
      fetch(`${demo!.url}${path}`, { headers: { authorization: `Bearer ${key}` } }).then((r) => {
        void r.body?.cancel();
        return r.status;
      });
    const ws = `/api/v1/workspaces/${WORKSPACE}`;
    // What is sent, and what each must be answered: two routes, with 200s and some 4xx.
    const plan: [string, () => Promise<number>, number, number][] = [
      [`${CREDITS} 200`, () => get(`${ws}/credits`), 200, 30],
      [`${ANALYTICS} 200`, () => get(`${ws}/analytics?group_by=agent`), 200, 20],
      [`${ANALYTICS} 422`, () => get(`${ws}/analytics?group_by=nonsense`), 422, 7],
      [`${CREDITS} 404`, () => get('/api/v1/workspaces/nowhere/credits', ADMIN_TOKEN), 404, 5],
    ];
    const expected = new Map<string, number>();
    for (const [series, send, status, times] of plan) {
      for (let i = 0; i < times; i++) expect(await send()).toBe(status);
      expected.set(series, (expected.get(series) ?? 0) + times);
    }
    const sent = [...expected.values()].reduce((a, b) => a + b, 0);

    // Wait for a scrape after the traffic: every series grown by exactly what was sent.
    let after = new Map<string, number>();
    const grown = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    const t0 = performance.now();
    await waitUntil(
      async () => {
        after = await countsByRoute(server);
        return [...expected].every(([series, n]) => grown(series) >= n);
      },
      60_000,
      'Prometheus sees the traffic',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; Prometheus has ${JSON.stringify([...after])}`);
    });
    const seenMs = performance.now() - t0;
    for (const [series, n] of expected) expect([series, grown(series)]).toEqual([series, n]);
    // Nothing else moved (the scrapes themselves and /ready are not counted as API traffic).
    for (const series of after.keys())
      if (!expected.has(series)) expect([series, grown(series)]).toEqual([series, 0]);
    // Route labels are templates, never raw paths (no workspace id in any of them).
    for (const series of after.keys()) expect(series).not.toMatch(/\/(prom|nowhere)(\/| )/);

    // And Prometheus agrees with the demo's own exposition.
    const exposition = await (await fetch(`${demo!.url}/metrics`)).text();
    const local = exposition
      .split('\n')
      .filter((l) => l.startsWith('http_requests_total{'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    const total = [...after.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(local);

    record(
      'prometheus',
      'PromQL per route template',
      `sent ${sent} (${[...expected].map(([s, n]) => `${s.replace('/api/v1/workspaces/:workspaceId', '…')}: ${n}`).join(', ')}); Prometheus counted ${sent} over ${expected.size} series, ${(seenMs / 1000).toFixed(1)} s after the last request; total ${total} = demo's /metrics`,
    );
  });

  it('passes `promtool check metrics` on the live /metrics', async () => {
    const exposition = await (await fetch(`${demo!.url}/metrics`)).text();
    const lint = spawnSync('promtool', ['check', 'metrics'], {
      input: exposition,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const findings = `${lint.stdout}${lint.stderr}`.trim();
    expect({ status: lint.status, findings }).toEqual({ status: 0, findings: '' });
    const families = exposition.split('\n').filter((l) => l.startsWith('# TYPE ')).length;
    const samples = exposition.split('\n').filter((l) => l && !l.startsWith('#')).length;
    record(
      'prometheus',
      'promtool check metrics',
      `clean (exit 0, no findings): ${families} metric families, ${samples} samples`,
    );
  });

  it('answers every expression of the Grafana dashboards, with data where the traffic feeds it', async () => {
    const server = prometheus!;
    const ws = `/api/v1/workspaces/${WORKSPACE}`;
    const send = async (method: string, path: string, token: string, body?: string) => {
      const res = await fetch(`${demo!.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body,
      });
      await res.arrayBuffer();
      return res;
    };
    // A fixed range, so the second read of a round is answered from the cache.
    const now = Date.now();
    const range = `from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`;
    // Rounds with a scrape between each, so the counters grow between samples and rate() is
    // above 0: events (credits; active users once the rollup ran), an analytics read twice (a
    // cache miss, then a hit), the rollup job, and a refused key (an authentication failure).
    for (let round = 0; round < 4; round++) {
      expect(
        (await send('POST', `${ws}/events`, target.key, eventBatch(target, 20, 60_000))).status,
      ).toBe(200);
      expect(
        (await send('GET', `${ws}/analytics?${range}`, target.key)).headers.get('x-cache'),
      ).toBe('miss');
      expect(
        (await send('GET', `${ws}/analytics?${range}`, target.key)).headers.get('x-cache'),
      ).toBe('hit');
      expect((await send('POST', '/api/v1/jobs/rollup', ADMIN_TOKEN)).status).toBe(200);
      expect((await send('GET', `${ws}/credits`, 'not-a-key')).status).toBe(401);
      await scrapedAfter(Date.now());
    }

    interface Dashboard {
      title: string;
      panels: { title: string; targets: { refId: string; expr: string }[] }[];
    }
    const dashboards = readdirSync(DASHBOARDS)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as Dashboard);
    expect(dashboards.map((d) => d.title).sort()).toEqual([
      'Analytics business',
      'Analytics overview',
    ]);
    // What each panel must show after this traffic. `positive`: some series above 0 (counters
    // that grew within the window, gauges the traffic set); `data`: at least one series with a
    // number (gauges that may read 0, such as requests in flight between requests); `any`: the
    // query must succeed, but may be empty.
    const expected: Record<string, 'positive' | 'data' | 'any'> = {
      'Request rate': 'positive',
      // No 5xx in this traffic: no 5xx series, and the ratio reads 0 (`or total * 0`), not nothing.
      'Error rate': 'data',
      Latency: 'positive',
      'In flight': 'data',
      CPU: 'positive',
      'Memory (RSS)': 'positive',
      'Event loop lag (p99)': 'data',
      'Active users': 'positive',
      'Credits consumed per agent': 'positive',
      'Cache hit rate': 'positive',
      'Background jobs': 'positive',
      'Database connections': 'positive',
      'Authentication failures': 'positive',
    };
    const targets = dashboards.flatMap((d) =>
      d.panels.flatMap((p) =>
        p.targets.map((t) => ({
          panel: p.title,
          name: `${d.title} / ${p.title} / ${t.refId}`,
          // As Grafana sends it with "All" selected; a window of 4 scrape intervals would do as
          // well ($__rate_interval), 1m keeps every round of the traffic in it.
          query: t.expr
            .replaceAll('$service', '.*')
            .replaceAll('$route', '.*')
            .replaceAll('$__rate_interval', '1m'),
        })),
      ),
    );
    expect(Object.keys(expected).sort()).toEqual([...new Set(targets.map((t) => t.panel))].sort());

    const results = new Map<string, { status: string; error?: string; result: PromSample[] }>();
    const evaluate = async () => {
      for (const t of targets) {
        const res = await fetch(
          `${server.url}/api/v1/query?${new URLSearchParams({ query: t.query }).toString()}`,
        );
        const body = (await res.json()) as {
          status: string;
          error?: string;
          data?: { result: PromSample[] };
        };
        results.set(t.name, {
          status: body.status,
          error: body.error,
          result: body.data?.result ?? [],
        });
      }
    };
    const shows = (name: string, want: 'positive' | 'data' | 'any') => {
      const values = (results.get(name)?.result ?? []).map((s) => Number(s.value[1]));
      if (want === 'any') return true;
      if (want === 'data') return values.some((v) => Number.isFinite(v));
      return values.some((v) => Number.isFinite(v) && v > 0);
    };
    const t0 = performance.now();
    await waitUntil(
      async () => {
        await evaluate();
        return targets.every((t) => shows(t.name, expected[t.panel]!));
      },
      60_000,
      'every dashboard panel has its data',
    ).catch(() => undefined); // the assertions below say which panel has not
    const seenMs = performance.now() - t0;

    for (const t of targets)
      expect({ name: t.name, query: t.query, ...results.get(t.name) }).toMatchObject({
        status: 'success',
      });
    for (const t of targets)
      expect({
        name: t.name,
        query: t.query,
        shows: shows(t.name, expected[t.panel]!),
        result: results.get(t.name)?.result,
      }).toMatchObject({
        shows: true,
      });

    const withData = targets.filter((t) => (results.get(t.name)?.result.length ?? 0) > 0).length;
    record(
      'prometheus',
      'Grafana dashboards on real Prometheus',
      `${targets.length} expressions of ${dashboards.length} dashboards (${dashboards.map((d) => d.title).join(', ')}) all status success; ${withData} with data (${targets.length - withData} empty: ${
        targets
          .filter((t) => (results.get(t.name)?.result.length ?? 0) === 0)
          .map((t) => t.name)
          .join(', ') || 'none'
      }), within ${(seenMs / 1000).toFixed(1)} s`,
    );
  });
});
