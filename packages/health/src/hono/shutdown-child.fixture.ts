// Run as a child process by shutdown.test.ts: a real server with a slow route, graceful shutdown
// on SIGTERM, and hooks that write to a log file.
import { appendFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createHealth } from '../health';
import { healthRoutes } from './routes';
import { createShutdown } from '../shutdown';

const [logFile] = process.argv.slice(2) as [string];
const health = createHealth();
const app = new Hono();
app.route('/', healthRoutes(health));
app.get('/slow', async (c) => {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return c.text('done');
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
createShutdown({
  server,
  health,
  drainDelayMs: 300,
  timeoutMs: 5000,
  log: (message) => process.stdout.write(`${message}\n`),
  hooks: [
    { name: 'flush logs', run: () => appendFileSync(logFile, 'hook 1: logs flushed\n') },
    {
      name: 'close database',
      run: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        appendFileSync(logFile, 'hook 2: database closed\n');
      },
    },
  ],
});
