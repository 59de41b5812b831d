// `pnpm start`: serve the app; on SIGTERM/SIGINT drain the requests, then flush every signal.
import { serve } from '@hono/node-server';
import { createShutdown } from '@obs/health';
import { app, obs } from './app';

const port = Number(process.env.PORT ?? 3000);
const server = serve({ fetch: app.fetch, port }, ({ port }) => {
  obs.logger.info('listening', { url: `http://localhost:${port}` });
});
createShutdown({ server, health: obs.health, hooks: [{ name: 'telemetry', run: obs.shutdown }] });
