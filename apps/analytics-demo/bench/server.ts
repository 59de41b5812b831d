// The demo in its own process for the ingestion benchmark: node server.ts <on|off> <dataDir> <port>
// `on` is the service as `pnpm start` runs it (logs to a file, spans to the memory ring, metrics,
// alerts); `off` has no observability middleware, the baseline.
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { loadConfig } from '../src/config';
import { createService } from '../src/service';

const [mode, dataDir, port] = process.argv.slice(2) as [string, string, string];
const config = loadConfig({
  ...process.env,
  DATA_DIR: dataDir,
  LOG_FILE: join(dataDir, 'app.log'),
  ADMIN_TOKEN: 'bench-admin-token-0123456789',
  SEED_DEMO: 'false',
  ROLLUP_INTERVAL_MS: '0',
  ENVIRONMENT: 'production',
});
const service = await createService(config, { instrument: mode !== 'off' });
service.start();
serve({ fetch: service.app.fetch, port: Number(port), hostname: '127.0.0.1' }, () =>
  console.log('ready'),
);
// Exit normally on the benchmark's kill, so `--cpu-prof` can write its profile.
process.on('SIGTERM', () => process.exit(0));
