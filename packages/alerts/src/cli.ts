import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toAlertmanagerConfig, type Receiver, type Route } from './alertmanager';
import { toPrometheusRules } from './export';
import { toPromtoolTests, type RuleTestCase } from './promtool';
import type { Rule } from './rules';
import { standardRules } from './standard';
import { STANDARD_RULE_CASES } from './standard-cases';

/** What `--config` modules export (as default): all optional; the standard rules otherwise. */
export interface AlertsConfig {
  rules?: Rule[];
  cases?: RuleTestCase[];
  groupName?: string;
  interval?: string;
  route?: Route;
  receivers?: Receiver[];
}

const USAGE = `usage: obs-alerts export --out <dir> [--config <module>]

Writes <dir>/rules.yml (Prometheus rule file), <dir>/rules.test.yml (promtool test rules) and,
when the config has a route and receivers, <dir>/alertmanager.yml. Without --config, the standard
rules with their default thresholds.`;

/**
 * The `obs-alerts` command: `export --out monitoring/ [--config alerts.config.mjs]`. Returns the
 * exit code; writes messages to `out`/`err`.
 */
export async function runCli(
  argv: readonly string[],
  io: { out: (s: string) => void; err: (s: string) => void } = {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  },
): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'export') {
    io.err(USAGE);
    return 2;
  }
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    const value = rest[i + 1];
    if ((flag !== '--out' && flag !== '--config') || value === undefined) {
      io.err(`obs-alerts: unexpected argument "${flag ?? ''}"\n${USAGE}`);
      return 2;
    }
    options[flag.slice(2)] = value;
  }
  if (!options.out) {
    io.err(`obs-alerts: --out is required\n${USAGE}`);
    return 2;
  }
  let config: AlertsConfig = {};
  if (options.config) {
    const file = isAbsolute(options.config) ? options.config : resolve(options.config);
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: AlertsConfig };
      config = mod.default ?? (mod as AlertsConfig);
      // CommonJS compiled from ESM (`exports.default = …`, as tsc and swc write it) arrives with
      // its whole exports object as the default.
      const compiled = config as AlertsConfig & { __esModule?: boolean; default?: AlertsConfig };
      if (compiled.__esModule && compiled.default) config = compiled.default;
    } catch (err) {
      io.err(
        `obs-alerts: cannot load ${options.config}: ${err instanceof Error ? err.message : String(err)}`,
      );
      return 1;
    }
  }
  try {
    const rules = config.rules ?? standardRules();
    const cases = config.cases ?? (config.rules ? [] : STANDARD_RULE_CASES);
    mkdirSync(options.out, { recursive: true });
    const written = [join(options.out, 'rules.yml')];
    writeFileSync(
      written[0]!,
      toPrometheusRules(rules, { groupName: config.groupName, interval: config.interval }),
    );
    if (cases.length) {
      written.push(join(options.out, 'rules.test.yml'));
      writeFileSync(written[1]!, toPromtoolTests(rules, cases, 'rules.yml'));
    }
    if (config.route && config.receivers) {
      const file = join(options.out, 'alertmanager.yml');
      writeFileSync(file, toAlertmanagerConfig(config.route, config.receivers));
      written.push(file);
    }
    io.out(`wrote ${written.join(', ')} (${rules.length} rules)`);
    return 0;
  } catch (err) {
    io.err(`obs-alerts: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
