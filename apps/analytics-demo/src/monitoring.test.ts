// monitoring/ at the repository root: the rule files and Alertmanager config are generated from
// src/alert-rules.ts, the Grafana dashboards from src/dashboards.ts, and committed; this fails
// when they drift from what the export writes, and checks every file with the real tools
// (promtool, amtool; CI installs both).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runCli } from '@obs/alerts/cli';
import { parse, stringify } from 'yaml';
import { notInstalled } from '../../../scripts/real-servers';
import { GRAFANA_DASHBOARDS_PATH, grafanaFiles } from './dashboards';

const MONITORING = resolve(__dirname, '../../../monitoring');
const installed = (tool: string) => spawnSync(tool, ['--version']).status === 0;
const run = (tool: string, args: string[], cwd = MONITORING) => {
  const res = spawnSync(tool, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { ok: res.status === 0, output: `${res.stdout}${res.stderr}` };
};

describe('monitoring/', () => {
  it('holds exactly what the export writes from src/alert-rules.ts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'analytics-export-'));
    const messages: string[] = [];
    const code = await runCli(
      ['export', '--out', out, '--config', join(__dirname, 'alert-rules.ts')],
      { out: (s) => messages.push(s), err: (s) => messages.push(s) },
    );
    expect({ code, messages }).toMatchObject({ code: 0 });
    for (const file of readdirSync(out))
      expect({ file, text: readFileSync(join(MONITORING, 'alerts', file), 'utf8') }).toEqual({
        file,
        text: readFileSync(join(out, file), 'utf8'),
      });
    expect(readdirSync(join(MONITORING, 'alerts')).sort()).toEqual(readdirSync(out).sort());
  });

  it('holds exactly the Grafana dashboards and provisioning the export writes from src/dashboards.ts', () => {
    const files = grafanaFiles();
    for (const [file, text] of Object.entries(files))
      expect({ file, text: readFileSync(join(MONITORING, 'grafana', file), 'utf8') }).toEqual({
        file,
        text,
      });
    // Nothing stale beside them in the generated folders.
    for (const folder of ['dashboards', 'provisioning/dashboards'])
      expect(readdirSync(join(MONITORING, 'grafana', folder)).sort()).toEqual(
        Object.keys(files)
          .filter((f) => f.startsWith(`${folder}/`) && !f.slice(folder.length + 1).includes('/'))
          .map((f) => f.slice(folder.length + 1))
          .sort(),
      );
  });

  it('has Grafana dashboards whose every expression promtool parses', () => {
    const exprs = readdirSync(join(MONITORING, 'grafana/dashboards')).flatMap((file) => {
      const dashboard = JSON.parse(
        readFileSync(join(MONITORING, 'grafana/dashboards', file), 'utf8'),
      ) as { panels: { targets: { expr: string }[] }[] };
      return dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    });
    expect(exprs.length).toBeGreaterThan(10);
    if (!installed('promtool')) {
      notInstalled('promtool');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'analytics-grafana-'));
    try {
      const rules = exprs.map((expr, i) => ({
        record: `check_${i}`,
        expr: expr
          .replaceAll('$service', '.*')
          .replaceAll('$route', '.*')
          .replaceAll('$__rate_interval', '1m'),
      }));
      writeFileSync(join(dir, 'rules.yml'), stringify({ groups: [{ name: 'grafana', rules }] }));
      const result = run('promtool', ['check', 'rules', 'rules.yml'], dir);
      expect(result).toEqual({
        ok: true,
        output: expect.stringContaining(`SUCCESS: ${exprs.length} rules found`),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has rules promtool accepts, whose unit tests pass, and a Prometheus config that loads them', () => {
    if (!installed('promtool')) {
      notInstalled('promtool');
      return;
    }
    for (const args of [
      ['check', 'rules', 'alerts/rules.yml'],
      ['test', 'rules', 'alerts/rules.test.yml'],
      ['check', 'config', 'prometheus.yml'],
    ]) {
      const result = run('promtool', args);
      expect({ args, ...result }).toMatchObject({ ok: true });
    }
  });

  it('has an Alertmanager config amtool accepts, routing to the demo with its admin token', () => {
    const config = parse(readFileSync(join(MONITORING, 'alerts/alertmanager.yml'), 'utf8')) as {
      receivers: {
        webhook_configs: {
          url: string;
          http_config: { authorization: { credentials_file: string } };
        }[];
      }[];
    };
    const webhook = config.receivers[0]!.webhook_configs[0]!;
    expect(webhook.url).toBe('http://analytics:8000/alerts/webhook');
    expect(webhook.http_config.authorization.credentials_file).toBe(
      '/etc/alertmanager/admin-token',
    );
    if (!installed('amtool')) {
      notInstalled('amtool');
      return;
    }
    const result = run('amtool', ['check-config', 'alerts/alertmanager.yml']);
    expect(result).toMatchObject({ ok: true });
  });

  it('wires docker-compose.yml to files that exist and services that exist', () => {
    const compose = parse(readFileSync(join(MONITORING, 'docker-compose.yml'), 'utf8')) as {
      services: Record<
        string,
        {
          volumes?: string[];
          ports?: string[];
          configs?: unknown[];
          environment?: Record<string, string>;
        }
      >;
      configs: Record<string, { content: string }>;
    };
    const services = Object.keys(compose.services);
    expect(services.sort()).toEqual(
      [
        'alertmanager',
        'analytics',
        'grafana',
        'loki',
        'otel-collector',
        'prometheus',
        'tempo',
      ].sort(),
    );
    for (const [name, service] of Object.entries(compose.services))
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        expect({ name, source, exists: existsSync(resolve(MONITORING, source)) }).toEqual({
          name,
          source,
          exists: true,
        });
      }
    // Every URL the demo is given names a service of the stack.
    const env = compose.services.analytics!.environment!;
    for (const url of [env.OTEL_EXPORTER_OTLP_ENDPOINT, env.LOKI_URL])
      expect(services).toContain(new URL(url!).hostname);
    // The token Alertmanager sends is the one the demo checks: both from ADMIN_TOKEN, required.
    expect(env.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?/);
    expect(compose.configs['admin-token']!.content).toBe(env.ADMIN_TOKEN);
    expect(compose.services.alertmanager!.configs).toEqual([
      { source: 'admin-token', target: '/etc/alertmanager/admin-token' },
    ]);
    // Nothing is published beyond this machine.
    for (const [name, service] of Object.entries(compose.services))
      for (const port of service.ports ?? [])
        expect({ name, port }).toEqual({ name, port: expect.stringMatching(/^127\.0\.0\.1:/) });
    // Prometheus scrapes the demo's service, and Grafana's data sources name the stack's services.
    const prometheus = parse(readFileSync(join(MONITORING, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.scrape_configs[0]).toMatchObject({
      job_name: 'analytics',
      static_configs: [{ targets: ['analytics:8000'] }],
    });
    const grafana = parse(
      readFileSync(join(MONITORING, 'grafana/provisioning/datasources/datasources.yml'), 'utf8'),
    ) as { datasources: { url: string; type: string; uid: string; isDefault?: boolean }[] };
    for (const source of grafana.datasources)
      expect(services).toContain(new URL(source.url).hostname);
    // Grafana loads the generated dashboards: the provider's folder is where compose mounts them,
    // and their data source variable finds a Prometheus data source (the default one).
    expect(compose.services.grafana!.volumes).toContain(
      `./grafana/dashboards:${GRAFANA_DASHBOARDS_PATH}:ro`,
    );
    const provider = parse(
      readFileSync(join(MONITORING, 'grafana/provisioning/dashboards/obs.yml'), 'utf8'),
    ) as { providers: { type: string; options: { path: string } }[] };
    expect(provider.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: expect.objectContaining({ path: GRAFANA_DASHBOARDS_PATH }),
      }),
    ]);
    expect(grafana.datasources).toContainEqual(
      expect.objectContaining({ type: 'prometheus', uid: 'prometheus', isDefault: true }),
    );
  });
});
