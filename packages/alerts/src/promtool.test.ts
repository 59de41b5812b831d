import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createAlertEngine } from './engine';
import { toPrometheusRules } from './export';
import { expandValues, samplesAt, toPromtoolTests, type RuleTestCase } from './promtool';
import { STANDARD_RULE_CASES } from './standard-cases';
import { standardRules } from './standard';

const promtool = spawnSync('promtool', ['--version']).status === 0;

describe('expandValues', () => {
  it('reads promtool’s notation', () => {
    expect(expandValues('0+10x3')).toEqual([0, 10, 20, 30]);
    expect(expandValues('5x2 1 9-2x1')).toEqual([5, 5, 5, 1, 9, 7]);
    expect(() => expandValues('lots')).toThrow(expect.objectContaining({ option: 'series' }));
    expect(expandValues('_x2 1 _ 3')).toEqual([undefined, undefined, 1, undefined, 3]);
  });
});

describe('the standard rules on the same data: in-process and Prometheus agree', () => {
  const rules = standardRules();

  it.each(STANDARD_RULE_CASES.map((c, i) => [`${c.alert} #${i}`, c] as const))(
    'in-process: %s',
    async (_name, testCase) => {
      const rule = rules.filter((r) => r.name === testCase.alert);
      let minute = 0;
      const engine = createAlertEngine({
        source: { collect: () => samplesAt(testCase, minute) },
        rules: rule,
        now: () => minute * 60_000,
      });
      for (; minute <= testCase.evalMinutes; minute++) await engine.tick();
      const firing = engine.alerts({ state: 'firing' });
      if (testCase.fires) {
        const { severities } = testCase.fires;
        expect(firing.map((a) => a.severity).sort()).toEqual(
          [...(severities ?? rule.map((r) => r.severity))].sort(),
        );
        for (const alert of firing) expect(alert.value).toBeCloseTo(testCase.fires.value, 6);
      } else expect(firing).toEqual([]);
    },
  );

  it('at 50% errors both severities of HighErrorRate fire, and only the critical is notified', async () => {
    const half = STANDARD_RULE_CASES.find((c) => c.fires && c.fires.value === 0.5)!;
    const notified: string[] = [];
    let minute = 0;
    const engine = createAlertEngine({
      source: { collect: () => samplesAt(half, minute) },
      rules,
      notifiers: [
        {
          name: 'team',
          notify: (alert, kind) => {
            notified.push(`${kind} ${alert.name} ${alert.severity}`);
            return Promise.resolve();
          },
        },
      ],
      now: () => minute * 60_000,
    });
    for (; minute <= half.evalMinutes; minute++) await engine.tick();
    await engine.idle();
    const firing = engine.alerts({ state: 'firing' });
    expect(firing.map((a) => `${a.name} ${a.severity}`).sort()).toEqual([
      'HighErrorRate critical',
      'HighErrorRate warning',
    ]);
    expect(notified).toEqual(['firing HighErrorRate critical']);
  });

  it('one error incident, while new routes appear, is one history entry per severity and no flapping', async () => {
    // 15 minutes of a third of requests failing, then none; one request to a new route at
    // minutes 5, 7, 9 and 11 (each a new series).
    const incident: RuleTestCase = {
      alert: 'HighErrorRate',
      series: {
        'http_requests_total{route="/a",status="200"}': '0+600x40',
        'http_requests_total{route="/a",status="500"}': '0+300x15 4500x25',
        ...Object.fromEntries(
          [5, 7, 9, 11].map((m) => [
            `http_requests_total{route="/new${m}",status="200"}`,
            `_x${m} 1x${40 - m}`,
          ]),
        ),
      },
      evalMinutes: 40,
      fires: false,
    };
    const sent: string[] = [];
    let minute = 0;
    const engine = createAlertEngine({
      source: { collect: () => samplesAt(incident, minute) },
      rules: rules.filter((r) => r.name === 'HighErrorRate'),
      notifiers: [
        {
          name: 'team',
          notify: (alert, kind) => {
            sent.push(`${kind} ${alert.severity}`);
            return Promise.resolve();
          },
        },
      ],
      now: () => minute * 60_000,
    });
    for (; minute <= incident.evalMinutes; minute++) await engine.tick();
    await engine.idle();
    expect(engine.alerts()).toEqual([]);
    const history = await engine.history();
    expect(history.map((a) => `${a.name} ${a.severity}`).sort()).toEqual([
      'HighErrorRate critical',
      'HighErrorRate warning',
    ]);
    // Each is announced once and resolved once: the warning, inhibited while the critical fired,
    // speaks when the critical ends with the error share still above 5% (as Alertmanager would).
    expect(sent).toEqual([
      'firing critical',
      'firing warning',
      'resolved critical',
      'resolved warning',
    ]);
  });

  it('Prometheus: promtool test rules passes the generated tests for the exported rules', () => {
    if (!promtool) {
      if (process.env.CI)
        throw new Error('promtool is not installed (scripts/install-test-deps.sh)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'obs-rule-tests-'));
    writeFileSync(join(dir, 'rules.yml'), toPrometheusRules(rules));
    writeFileSync(
      join(dir, 'rules.test.yml'),
      toPromtoolTests(rules, STANDARD_RULE_CASES, 'rules.yml'),
    );
    const res = spawnSync('promtool', ['test', 'rules', 'rules.test.yml'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(`${res.stdout}${res.stderr}`).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });

  it('promtool test rules fails when the expectation is wrong (the check can fail)', () => {
    if (!promtool) return;
    const dir = mkdtempSync(join(tmpdir(), 'obs-rule-tests-'));
    writeFileSync(join(dir, 'rules.yml'), toPrometheusRules(rules));
    const wrong = STANDARD_RULE_CASES.map((c) => (c.fires ? { ...c, fires: false as const } : c));
    writeFileSync(join(dir, 'rules.test.yml'), toPromtoolTests(rules, wrong, 'rules.yml'));
    expect(
      spawnSync('promtool', ['test', 'rules', 'rules.test.yml'], { cwd: dir }).status,
    ).not.toBe(0);
  });
});
