// Run as a child process by shutdown.test.ts: a real server with a slow route, graceful shutdown
// on SIGTERM, and hooks that write to a log file. The slow route answers when the test writes
// `release` to stdin, so the test orders events instead of timing them.
import { appendFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createHealth } from '../health';
import { healthRoutes } from './routes';
import { createShutdown } from '../shutdown';

const [logFile] = process.argv.slice(2) as [string];
let release!: () => void;
const released = new Promise<void>((resolve) => (release = resolve));
process.stdin.setEncoding('utf8').on('data', (text: string) => {
  if (text.includes('release')) release();
});
const health = createHealth();
const app = new Hono();
app.route('/', healthRoutes(health));
app.get('/slow', async (c) => {
  process.stdout.write('slow started\n');
  await released;
  return c.text('done');
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
createShutdown({
  server,
  health,
  // The test's /ready probe must land inside this window: generous, so that a busy machine
  // cannot push it past the end. Nothing else waits on it.
  drainDelayMs: 3000,
  // Past this the shutdown exits 1; the test releases the slow request well before.
  timeoutMs: 120_000,
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
