// Writes the demo's rules into monitoring/alerts/ at the repository root: Prometheus rules,
// promtool tests and the Alertmanager config, from src/alert-rules.ts. The files are committed;
// src/monitoring.test.ts fails when they differ from what this writes.
//   pnpm --filter analytics-demo export:monitoring [--out <dir>]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '@obs/alerts/cli';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(import.meta.dirname, '../../../monitoring/alerts') },
  },
});
process.exitCode = await runCli([
  'export',
  '--out',
  values.out,
  '--config',
  join(import.meta.dirname, '../src/alert-rules.ts'),
]);
