import { stringify } from 'yaml';
import { ObsConfigError } from '@obs/core';
import type { Sample } from './query';
import { renderTemplate, type Rule, type Severity } from './rules';

/** One scenario for a rule: input series, and whether the alert fires at `evalMinutes`. */
export interface RuleTestCase {
  alert: string;
  /** `'metric{label="x"}'` → promtool's expanding notation, one value a minute: `'0+10x30'`. */
  series: Record<string, string>;
  evalMinutes: number;
  /**
   * The value the alert reports when it fires (for `{{ $value }}` in annotations), and which of
   * the rules of that name (one per severity) fire. @default every rule of the name
   */
  fires: false | { value: number; labels?: Record<string, string>; severities?: Severity[] };
}

/**
 * promtool's `a+bxN` / `a-bxN` / `a` notation, space separated, into values; `_` and `_xN` are
 * missing samples (`undefined`: no sample that minute).
 */
export function expandValues(notation: string): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const part of notation.trim().split(/\s+/)) {
    const missing = /^_(?:x(\d+))?$/.exec(part); // _xN: N missing samples (promtool's count)
    if (missing) {
      for (let i = 0; i < Number(missing[1] ?? 1); i++) out.push(undefined);
      continue;
    }
    const repeat = /^(-?[\d.]+)x(\d+)$/.exec(part); // axN: a, N+1 times
    if (repeat) {
      for (let i = 0; i <= Number(repeat[2]); i++) out.push(Number(repeat[1]));
      continue;
    }
    const m = /^(-?[\d.]+)(?:([+-])([\d.]+)x(\d+))?$/.exec(part);
    if (!m) throw new ObsConfigError('series', `"${part}" is not promtool's a+bxN notation`);
    const start = Number(m[1]);
    if (!m[2]) {
      out.push(start);
      continue;
    }
    const step = Number(m[3]) * (m[2] === '-' ? -1 : 1);
    for (let i = 0; i <= Number(m[4]); i++) out.push(start + i * step);
  }
  return out;
}

/** `'metric{a="1",b="2"}'` → name and labels. */
export function parseSeries(selector: string): { name: string; labels: Record<string, string> } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(selector.trim());
  if (!m) throw new ObsConfigError('series', `"${selector}" is not a series selector`);
  const labels: Record<string, string> = {};
  for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
    labels[pair[1]!] = pair[2]!;
  return { name: m[1]!, labels };
}

/** The samples of a case's series at minute `minute` (what a scrape would return then). */
export function samplesAt(testCase: RuleTestCase, minute: number): Sample[] {
  const out: Sample[] = [];
  for (const [selector, notation] of Object.entries(testCase.series)) {
    const value = expandValues(notation)[minute];
    if (value !== undefined) out.push({ ...parseSeries(selector), value });
  }
  return out;
}

/**
 * A `promtool test rules` file for `rules` (in `ruleFile`): each case's input series, and the
 * alert expected to fire (labels and rendered annotations) or not at its evaluation time.
 */
export function toPromtoolTests(
  rules: readonly Rule[],
  cases: readonly RuleTestCase[],
  ruleFile: string,
): string {
  return stringify(
    {
      rule_files: [ruleFile],
      evaluation_interval: '1m',
      tests: cases.map((c) => {
        const named = rules.filter((r) => r.name === c.alert);
        if (named.length === 0) throw new ObsConfigError('cases', `no rule named ${c.alert}`);
        const { fires } = c;
        const firing = fires
          ? named.filter((r) => !fires.severities || fires.severities.includes(r.severity))
          : [];
        return {
          interval: '1m',
          input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
          alert_rule_test: [
            {
              eval_time: `${c.evalMinutes}m`,
              alertname: c.alert,
              exp_alerts: firing.map((rule) => {
                const labels = {
                  severity: rule.severity,
                  ...rule.labels,
                  ...(fires ? fires.labels : {}),
                };
                return {
                  exp_labels: labels,
                  exp_annotations: Object.fromEntries(
                    Object.entries(rule.annotations).map(([k, v]) => [
                      k,
                      renderTemplate(v, fires ? fires.value : 0, {
                        alertname: rule.name,
                        ...labels,
                      }),
                    ]),
                  ),
                };
              }),
            },
          ],
        };
      }),
    },
    { lineWidth: 0 },
  );
}
