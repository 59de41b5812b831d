// `pnpm start`: configuration from the environment, the service on PORT (8000), a graceful
// shutdown on SIGTERM/SIGINT that drains requests and flushes every signal before exiting.
import { serve } from '@hono/node-server';
import { installProcessHandlers } from '@obs/errors';
import { createShutdown } from '@obs/health';
import { loadConfig, type Config } from './config';
import { seedDemo, DEMO_WORKSPACE } from './seed';
import { createService } from './service';
import { answerClientErrors } from './client-error';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  // One clear line naming the variable; no stack trace for a configuration mistake.
  console.error(`analytics: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const service = await createService(config);
const { obs } = service;
installProcessHandlers({
  errors: obs.errors,
  log: async (error, kind) => {
    obs.logger.fatal('process failing', { error, kind });
    await obs.logger.flush();
  },
});
const apiKey = config.SEED_DEMO ? await seedDemo(service.storage.repo) : undefined;

const server = serve(
  { fetch: service.app.fetch, port: config.PORT, hostname: config.HOST },
  (info) => {
    const base = `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
    obs.logger.info('listening', {
      url: base,
      database: service.storage.db.dialect,
      cache: service.storage.cache.kind,
    });
    // A banner for people, on stderr so stdout stays one JSON record per line.
    const lines = [
      '',
      `  Analytics API  ${base}`,
      `  Docs           ${base}/docs`,
      `  OpenAPI        ${base}/openapi.json`,
      `  Metrics        ${base}/metrics`,
      `  Health         ${base}/health  (details with the admin token)`,
      `  Alerts         ${base}/alerts`,
      `  Dashboard      ${base}/_obs/  (open it with the admin token)`,
      '',
      `  Storage: ${service.storage.db.dialect}, cache: ${service.storage.cache.kind}`,
    ];
    if (!config.ADMIN_TOKEN)
      lines.push(
        `  Admin token (generated for this run; set ADMIN_TOKEN to keep one): ${config.adminToken}`,
      );
    if (apiKey) {
      lines.push(
        `  Demo workspace "${DEMO_WORKSPACE}" created. Its API key, shown only this once:`,
      );
      lines.push(`    ${apiKey}`);
      lines.push(
        `  Try: curl -H "Authorization: Bearer ${apiKey}" ${base}/api/v1/workspaces/${DEMO_WORKSPACE}/analytics`,
      );
    }
    console.error(lines.join('\n') + '\n');
  },
);
answerClientErrors(server);
service.start();

createShutdown({
  server,
  health: obs.health,
  drainDelayMs: config.SHUTDOWN_DRAIN_MS,
  hooks: [{ name: 'rollup, alerts, telemetry and storage', run: () => service.close() }],
  log: (message, fields) => obs.logger.info(message, fields),
});
