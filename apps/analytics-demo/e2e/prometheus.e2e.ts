// Issue 10, part 1: a real Prometheus (Debian's `prometheus`) scrapes the demo and loads the
// committed rules (monitoring/alerts/rules.yml); after known traffic, PromQL over the demo's
// series counts exactly what was sent, per route template; and `promtool check metrics` finds
// nothing to say about the live /metrics.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTarget, type Target } from '../scripts/traffic';
import { alertRules, JOB } from '../src/alert-rules';
import {
  ADMIN_TOKEN,
  APP_DIR,
  promQuery,
  record,
  startDemo,
  waitUntil,
  type Demo,
  type Server,
  startPrometheus,
} from './harness';

const RULES = resolve(APP_DIR, '../../monitoring/alerts/rules.yml');
const WORKSPACE = 'prom';
const CREDITS = '/api/v1/workspaces/:workspaceId/credits';
const ANALYTICS = '/api/v1/workspaces/:workspaceId/analytics';

let demo: Demo | undefined;
let prometheus: Server | undefined;
let target: Target;
let firstScrapeMs = 0;

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
      15_000,
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
});
