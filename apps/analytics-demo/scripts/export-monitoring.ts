// Writes the demo's monitoring files at the repository root: into monitoring/alerts/, the
// Prometheus rules, promtool tests and the Alertmanager config, from src/alert-rules.ts; into
// monitoring/grafana/, the Grafana dashboards and their provisioning, from src/dashboards.ts. The
// files are committed; src/monitoring.test.ts fails when they differ from what this writes.
//   pnpm --filter analytics-demo export:monitoring [--out <dir>] [--grafana <dir>]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '@obs/alerts/cli';
import { grafanaFiles } from '../src/dashboards';

const monitoring = join(import.meta.dirname, '../../../monitoring');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(monitoring, 'alerts') },
    grafana: { type: 'string', default: join(monitoring, 'grafana') },
  },
});
process.exitCode = await runCli([
  'export',
  '--out',
  values.out,
  '--config',
  join(import.meta.dirname, '../src/alert-rules.ts'),
]);
if (process.exitCode === 0) {
  for (const [file, text] of Object.entries(grafanaFiles())) {
    const path = join(values.grafana, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
