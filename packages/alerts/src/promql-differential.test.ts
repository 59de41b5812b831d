// Prometheus is the reference. Generated scenarios (series born inside a window, counter resets,
// scrape gaps, single samples, bursts, several series per rule) run through `promtool test rules`
// and through the in-process engine, for the standard rules and for rules built from every query
// function. At every minute the same alerts fire, with the same labels and values.
//
// promtool only prints the alerts it got when they differ from the expected ones, so each test
// expects none and its failure report is the reference's answer, parsed here.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { createAlertEngine } from './engine';
import { toPrometheusRules } from './export';
import { parseSeries } from './promtool';
import {
  add,
  increase,
  irate,
  quantile,
  rate,
  ratio,
  sum,
  value,
  type Query,
  type Sample,
} from './query';
import { above, below, defineRule, outside, type Condition, type Rule } from './rules';
import { standardRules } from './standard';

const run = promisify(execFile);
const MINUTES = 30;
const SCENARIOS = 520;

/** Seeded PRNG (mulberry32): a disagreement names its scenario, which replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A value per minute: a number, `stale` (the series missed that scrape) or `_` (not born yet). */
type Point = number | 'stale' | '_';

interface Scenario {
  id: number;
  rule: Rule;
  series: Record<string, Point[]>;
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * One counter's values: born at some minute (or at 0), growing by a steady rate with noise and
 * the odd burst, reset to a small value now and then, missing scrapes, sometimes gone for good.
 */
function counterPoints(rnd: () => number, rateScale: number): Point[] {
  const born = rnd() < 0.4 ? Math.floor(rnd() * MINUTES) : 0;
  const diesAt = rnd() < 0.1 ? born + 1 + Math.floor(rnd() * (MINUTES - born)) : Infinity;
  const perMinute = rateScale * rnd();
  let v = rnd() < 0.3 ? round(rnd() * 1000) : 0;
  const out: Point[] = [];
  for (let m = 0; m <= MINUTES; m++) {
    if (m < born) out.push('_');
    else if (m >= diesAt || (m > born && rnd() < 0.08)) out.push('stale');
    else {
      out.push(v);
      const burst = rnd() < 0.05 ? 50 : 1;
      v = round(v + perMinute * burst * (0.5 + rnd()));
      if (rnd() < 0.05) v = round(rnd() * 3); // a restart
    }
  }
  return out;
}

function gaugePoints(rnd: () => number, scale: number): Point[] {
  const born = rnd() < 0.3 ? Math.floor(rnd() * MINUTES) : 0;
  const out: Point[] = [];
  for (let m = 0; m <= MINUTES; m++) {
    if (m < born) out.push('_');
    else if (m > born && rnd() < 0.08) out.push('stale');
    else out.push(round(scale * rnd()));
  }
  return out;
}

const BOUNDS = ['0.1', '0.5', '1', '+Inf'];

/** A histogram's `_bucket` series for one label set: cumulative, scraped (or missed) together. */
function histogramPoints(rnd: () => number, name: string, labels: string): Record<string, Point[]> {
  const born = rnd() < 0.3 ? Math.floor(rnd() * MINUTES) : 0;
  const slow = rnd(); // share of slow observations
  const counts = BOUNDS.map(() => 0);
  const out: Record<string, Point[]> = {};
  const series = BOUNDS.map(
    (le) => (out[`${name}_bucket{${labels}${labels ? ',' : ''}le="${le}"}`] = [] as Point[]),
  );
  for (let m = 0; m <= MINUTES; m++) {
    const missed = m > born && rnd() < 0.08;
    if (rnd() < 0.04) counts.fill(0); // a restart
    const n = Math.floor(rnd() * 20);
    for (let i = 0; i < n; i++) {
      const r = rnd();
      const bucket = r < slow * 0.5 ? 3 : r < slow ? 2 : r < slow + (1 - slow) * 0.5 ? 1 : 0;
      for (let b = bucket; b < counts.length; b++) counts[b]! += 1;
    }
    series.forEach((points, b) => points.push(m < born ? '_' : missed ? 'stale' : counts[b]!));
  }
  return out;
}

const FOR = ['0s', '1m', '2m', '5m'];
const WINDOWS = ['1m', '2m', '5m', '10m'];

/** A rule built from the query functions, with random windows, thresholds and `for`. */
function builtScenario(rnd: () => number, id: number): Omit<Scenario, 'id'> {
  const window = pick(rnd, WINDOWS);
  const routes = ['a', 'b', 'c'].slice(0, 1 + Math.floor(rnd() * 3));
  const series: Record<string, Point[]> = {};
  const counters = (name: string, scale: number, statuses = ['200']) => {
    for (const route of routes)
      for (const status of statuses)
        series[`${name}{route="${route}",status="${status}"}`] = counterPoints(rnd, scale);
  };
  const kind = Math.floor(rnd() * 9);
  let query: Query;
  let condition: Condition;
  switch (kind) {
    case 0:
      counters('jobs_total', 100);
      query = sum(rate('jobs_total', window));
      condition = above(round(rnd() * 2));
      break;
    case 1:
      counters('jobs_total', 100);
      query = sum(rate('jobs_total', window), ['route']);
      condition = above(round(rnd() * 1.5));
      break;
    case 2:
      counters('jobs_total', 100);
      query = increase('jobs_total', window, { route: /a|b/ });
      condition = above(round(rnd() * 150));
      break;
    case 3:
      counters('jobs_total', 100);
      query = irate('jobs_total', window);
      condition = above(round(rnd() * 2));
      break;
    case 4:
      counters('http_requests_total', 100, ['200', '500']);
      query = ratio(
        sum(rate('http_requests_total', window, { status: /5../ })),
        sum(rate('http_requests_total', window)),
      );
      condition = above(round(rnd() * 0.6));
      break;
    case 5:
      for (const route of routes) series[`queue_size{route="${route}"}`] = gaugePoints(rnd, 100);
      query = rnd() < 0.5 ? value('queue_size', { route: { not: 'c' } }) : sum(value('queue_size'));
      condition = rnd() < 0.5 ? below(round(rnd() * 60)) : outside(20, round(80 + rnd() * 100));
      break;
    case 6:
      for (const route of routes)
        Object.assign(series, histogramPoints(rnd, 'latency_seconds', `route="${route}"`));
      query = quantile(pick(rnd, [0.5, 0.9, 0.95, 0.99]), 'latency_seconds', window, {
        by: rnd() < 0.5 ? ['route'] : [],
      });
      condition = above(round(rnd() * 1.2));
      break;
    case 7:
      counters('jobs_total', 60);
      counters('retries_total', 30);
      query = add(sum(rate('jobs_total', window)), sum(rate('retries_total', window)));
      condition = above(round(rnd() * 2));
      break;
    default:
      counters('jobs_total', 100, ['200', '500']);
      query = sum(increase('jobs_total', window), ['status']);
      condition = below(round(rnd() * 200));
  }
  const rule = defineRule({
    name: `Built${id}`,
    query,
    condition,
    for: pick(rnd, FOR),
    severity: pick(rnd, ['warning', 'critical'] as const),
    annotations: { summary: '{{ $value }}' },
  });
  return { rule, series };
}

/** Data for one of the standard rules: the metrics it reads, at scales around its threshold. */
function standardScenario(rnd: () => number, rule: Rule): Omit<Scenario, 'id'> {
  const series: Record<string, Point[]> = {};
  for (const read of rule.query.reads) {
    const { name } = read;
    if (name === 'http_request_duration_seconds_bucket') {
      Object.assign(series, histogramPoints(rnd, 'http_request_duration_seconds', ''));
      continue;
    }
    if (name.endsWith('_total')) {
      const statuses = name === 'http_requests_total' ? ['200', '500'] : [''];
      for (const status of statuses) {
        const labels = status ? `{status="${status}"}` : '';
        const scale =
          name === 'analytics_credits_consumed_total'
            ? pick(rnd, [1e4, 1e6, 1e7])
            : pick(rnd, [1, 60, 600]);
        series[`${name}${labels}`] = counterPoints(rnd, scale);
      }
      continue;
    }
    const labelled: Record<string, string> = {
      up: '{job="app"}',
      database_connections: '{state="idle"}',
    };
    series[`${name}${labelled[name] ?? ''}`] = gaugePoints(
      rnd,
      name === 'up' ? 1.4 : name.includes('bytes') ? 1e9 : name === 'queue_size' ? 2000 : 20,
    );
  }
  // `up` is 0 or 1.
  for (const [k, points] of Object.entries(series))
    if (k.startsWith('up{'))
      series[k] = points.map((p) => (typeof p === 'number' ? Math.floor(p) : p));
  return { rule: { ...rule, annotations: { summary: '{{ $value }}' } }, series };
}

function scenarios(): Scenario[] {
  const standard = standardRules();
  const out: Scenario[] = [];
  for (let id = 0; id < SCENARIOS; id++) {
    const rnd = random(id + 1);
    const made =
      id % 4 === 0
        ? standardScenario(rnd, standard[(id / 4) % standard.length]!)
        : builtScenario(rnd, id);
    out.push({ id, ...made });
  }
  return out;
}

/** An alert as seen at one minute: its labels (as one string) and value. */
interface Seen {
  minute: number;
  labels: string;
  value: number;
}

function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** The in-process engine's firing alerts, minute by minute, over the scenario's samples. */
async function inProcess(s: Scenario): Promise<Seen[]> {
  const parsed = Object.entries(s.series).map(([selector, points]) => ({
    ...parseSeries(selector),
    points,
  }));
  let minute = 0;
  const engine = createAlertEngine({
    source: {
      collect: () =>
        parsed.flatMap(({ name, labels, points }): Sample[] => {
          const p = points[minute];
          return typeof p === 'number' ? [{ name, labels, value: p }] : [];
        }),
    },
    rules: [s.rule],
    now: () => minute * 60_000,
  });
  const seen: Seen[] = [];
  for (; minute <= MINUTES; minute++) {
    await engine.tick();
    for (const a of engine.alerts({ state: 'firing' }))
      seen.push({ minute, labels: labelKey(a.labels), value: a.value ?? NaN });
  }
  engine.stop();
  return seen;
}

const dir = mkdtempSync(join(tmpdir(), 'obs-promql-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** promtool's alerts for the scenario, minute by minute, read from its failure report. */
async function prometheus(s: Scenario): Promise<Seen[]> {
  const rules = `rules-${s.id}.yml`;
  const tests = `test-${s.id}.yml`;
  writeFileSync(join(dir, rules), toPrometheusRules([s.rule]));
  writeFileSync(
    join(dir, tests),
    stringify({
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: Object.entries(s.series).map(([series, points]) => ({
            series,
            values: points.join(' '),
          })),
          alert_rule_test: Array.from({ length: MINUTES + 1 }, (_, m) => ({
            eval_time: `${m}m`,
            alertname: s.rule.name,
            exp_alerts: [],
          })),
        },
      ],
    }),
  );
  let report: string;
  try {
    const out = await run('promtool', ['test', 'rules', tests], { cwd: dir });
    report = out.stdout + out.stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    report = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  if (!report.includes('SUCCESS') && !report.includes('FAILED'))
    throw new Error(`promtool failed on scenario ${s.id}: ${report}`);
  const seen: Seen[] = [];
  for (const block of report.split(/\n\s*alertname: /).slice(1)) {
    const time = /^\S+, time: (\S+?),/.exec(block)?.[1] ?? '';
    const minute = time === '0s' ? 0 : Number(/^(\d+)m$/.exec(time)?.[1]);
    const got = block.slice(block.indexOf('got:'));
    for (const alert of got.matchAll(/Labels:\{([^}]*)\}\s*Annotations:\{summary="([^"]*)"\}/g)) {
      const labels: Record<string, string> = {};
      for (const pair of alert[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[pair[1]!] = pair[2]!;
      const text = alert[2]!;
      const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
      seen.push({ minute, labels: labelKey(labels), value });
    }
  }
  return seen;
}

function same(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** What differs between the two, minute by minute. */
function differences(ours: Seen[], theirs: Seen[]): string[] {
  const key = (s: Seen) => `${s.minute} ${s.labels}`;
  const mine = new Map(ours.map((s) => [key(s), s.value]));
  const out: string[] = [];
  for (const t of theirs) {
    const v = mine.get(key(t));
    if (v === undefined)
      out.push(`minute ${t.minute}: Prometheus fires {${t.labels}} = ${t.value}, in-process not`);
    else if (!same(v, t.value))
      out.push(`minute ${t.minute}: {${t.labels}} = ${v} in-process, ${t.value} in Prometheus`);
    mine.delete(key(t));
  }
  for (const [k, v] of mine) out.push(`minute ${k}: in-process fires = ${v}, Prometheus not`);
  return out;
}

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

describe('in-process PromQL against Prometheus (promtool test rules)', () => {
  it(`agrees on which alerts fire, when, and their values, over ${SCENARIOS} generated scenarios`, async () => {
    if (!hasPromtool) {
      if (process.env.CI)
        throw new Error('promtool is not installed (scripts/install-test-deps.sh)');
      return;
    }
    const all = scenarios();
    const disagreements: string[] = [];
    let firing = 0;
    // Two promtool processes at a time: one per core.
    for (let i = 0; i < all.length; i += 2) {
      await Promise.all(
        all.slice(i, i + 2).map(async (s) => {
          const [ours, theirs] = await Promise.all([inProcess(s), prometheus(s)]);
          firing += theirs.length;
          for (const d of differences(ours, theirs))
            disagreements.push(`scenario ${s.id} (${s.rule.name}: ${s.rule.expr}): ${d}`);
        }),
      );
    }
    console.log(
      `PromQL differential: ${all.length} scenarios, ${firing} firing alert-minutes in Prometheus, ${disagreements.length} disagreements`,
    );
    expect(disagreements.slice(0, 20)).toEqual([]);
    // The scenarios are not all quiet: the comparison has something to compare.
    expect(firing).toBeGreaterThan(all.length);
  }, 600_000);
});

describe("the issue's incidents, replayed on both", () => {
  const standard = standardRules();
  const rule = (name: string, severity = 'warning'): Rule => ({
    ...standard.find((r) => r.name === name && r.severity === severity)!,
    annotations: { summary: '{{ $value }}' },
  });
  const steady = (perMinute: number, from = 0): Point[] =>
    Array.from({ length: MINUTES + 1 }, (_, m) => (m < from ? '_' : (m - from) * perMinute));

  it('a firing error-rate alert stays firing when one request reaches a never-seen route', async () => {
    const s: Scenario = {
      id: 10_001,
      rule: rule('HighErrorRate', 'critical'),
      series: {
        'http_requests_total{route="/a",status="200"}': steady(600),
        'http_requests_total{route="/a",status="500"}': steady(300),
        // One request at minute 20 to a route nobody asked for before: a new series at 1.
        'http_requests_total{route="/new",status="200"}': steady(0, 20).map((p) =>
          p === 0 ? 1 : p,
        ),
      },
    };
    const ours = await inProcess(s);
    const firingAt = new Set(ours.map((a) => a.minute));
    for (let m = 8; m <= MINUTES; m++) expect(firingAt.has(m)).toBe(true);
    if (hasPromtool) expect(differences(ours, await prometheus(s))).toEqual([]);
  });

  it('at low traffic, ticking every second, one request to a new route does not resolve it', async () => {
    // One 200 and one 500 every 10 s; at 600 s one request to /new, a series born at 1.
    let t = 0;
    const engine = createAlertEngine({
      source: {
        collect: () => [
          ...['200', '500'].map((status) => ({
            name: 'http_requests_total',
            labels: { route: '/a', status },
            value: Math.floor(t / 10_000),
          })),
          ...(t >= 600_000
            ? [{ name: 'http_requests_total', labels: { route: '/new', status: '200' }, value: 1 }]
            : []),
        ],
      },
      rules: [rule('HighErrorRate', 'critical')],
      now: () => t,
    });
    const states: string[] = [];
    for (; t <= 900_000; t += 1000) {
      await engine.tick();
      if (t >= 590_000) states.push(engine.alerts()[0]?.state ?? 'none');
    }
    engine.stop();
    expect(new Set(states)).toEqual(new Set(['firing']));
  });

  it('right after errors start, the error share is not above the true share (a third)', async () => {
    const s: Scenario = {
      id: 10_003,
      rule: { ...rule('HighErrorRate'), forMs: 0, forText: '0s' },
      series: {
        'http_requests_total{route="/a",status="200"}': steady(600),
        // Errors start at minute 10: a new series, a third of all requests from then on.
        'http_requests_total{route="/a",status="500"}': steady(300, 10),
      },
    };
    const ours = await inProcess(s);
    expect(ours.map((a) => a.minute)).toEqual(
      Array.from({ length: MINUTES - 10 }, (_, i) => i + 11),
    );
    for (const a of ours) expect(a.value).toBeLessThanOrEqual(1 / 3 + 1e-12);
    expect(ours.at(-1)!.value).toBeCloseTo(1 / 3, 12);
    if (hasPromtool) expect(differences(ours, await prometheus(s))).toEqual([]);
  });

  it("a rate exactly at its threshold fires as in Prometheus (Go's order of operations)", async () => {
    const s: Scenario = {
      id: 10_004,
      rule: defineRule({
        name: 'AtThreshold',
        query: rate('x_total', '5m'),
        // Prometheus's own value at minute 5 for the series below: > holds there, by its rounding.
        condition: above(0.058333333333333334),
        severity: 'warning',
        annotations: { summary: '{{ $value }}' },
      }),
      series: {
        x_total: Array.from({ length: MINUTES + 1 }, (_, m) => (m < 2 ? '_' : 1000 + (m - 2) * 5)),
      },
    };
    const ours = await inProcess(s);
    expect(ours[0]).toEqual({
      minute: 5,
      labels: 'alertname=AtThreshold,severity=warning',
      value: 0.05833333333333334,
    });
    if (hasPromtool) expect(differences(ours, await prometheus(s))).toEqual([]);
  });

  it('one 4M-credit batch for a new agent is no credit spike', async () => {
    const s: Scenario = {
      id: 10_002,
      rule: rule('CreditConsumptionSpike'),
      series: {
        'analytics_credits_consumed_total{agent_id="old"}': steady(6000),
        'analytics_credits_consumed_total{agent_id="new"}': steady(0, 10).map((p) =>
          p === '_' ? p : 4_000_000,
        ),
      },
    };
    const ours = await inProcess(s);
    expect(ours).toEqual([]);
    if (hasPromtool) expect(differences(ours, await prometheus(s))).toEqual([]);
  });
});
