import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2Server } from 'node:http2';
import { ObsConfigError, reportInternalError } from '@obs/core';
import type { Health } from './health';

export interface ShutdownHook {
  name: string;
  run: () => unknown;
}

export interface ShutdownOptions {
  /** The node:http (or https) server `serve()` of @hono/node-server returns. HTTP/2 servers are refused. */
  server: Server | Http2Server | Http2SecureServer;
  /** Turned not-ready at once, so `/ready` answers 503 while load balancers catch up. */
  health?: Health;
  /** How long readiness is 503 before the server stops accepting. @default 5000 */
  drainDelayMs?: number;
  /** Limit for in-flight requests and hooks together; past it the process exits 1. @default 25_000 */
  timeoutMs?: number;
  /** Run in order after the server closed: flush logs, spans, errors; close the database. */
  hooks?: ShutdownHook[];
  /** @default ['SIGTERM', 'SIGINT'] */
  signals?: NodeJS.Signals[];
  /** Told what happens, e.g. `(msg) => log.info(msg)`. */
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** @default process.exit */
  exit?: (code: number) => void;
}

export interface Shutdown {
  /** Starts the shutdown (as a signal would); resolves with the exit code. */
  begin(reason?: string): Promise<number>;
  /** Removes the signal handlers. */
  dispose(): void;
}

/**
 * A graceful shutdown on SIGTERM/SIGINT: readiness turns 503 at once; after `drainDelayMs` the
 * server stops accepting, idle keep-alive sockets close, in-flight requests finish (bounded by
 * `timeoutMs`); then the hooks run in order; then the process exits 0 (1 if the time ran out or a
 * hook failed). A second signal exits 1 at once.
 *
 * @example
 * ```ts
 * const server = serve({ fetch: app.fetch, port: 3000 });
 * createShutdown({ server, health, hooks: [
 *   { name: 'logs', run: () => logger.flush() },
 *   { name: 'spans', run: () => tracing.shutdown() },
 *   { name: 'errors', run: () => errors.close(2000) },
 *   { name: 'database', run: () => pool.end() },
 * ] });
 * ```
 */
function closeAfterResponse(_req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('connection', 'close');
}

export function createShutdown(options: ShutdownOptions): Shutdown {
  const {
    server,
    health,
    drainDelayMs = 5000,
    timeoutMs = 25_000,
    hooks = [],
    signals = ['SIGTERM', 'SIGINT'],
    log = () => undefined,
    exit = (code: number) => process.exit(code),
  } = options;
  if (typeof (server as { close?: unknown } | undefined)?.close !== 'function')
    throw new ObsConfigError('server', 'expected an HTTP server');
  // HTTP/2 sessions need GOAWAY to drain, which node:http2 leaves to the application.
  if (typeof (server as { closeIdleConnections?: unknown }).closeIdleConnections !== 'function')
    throw new ObsConfigError('server', 'HTTP/2 servers are not supported; use node:http or https');
  const http = server as Server;
  if (!(drainDelayMs >= 0)) throw new ObsConfigError('drainDelayMs', 'expected ≥ 0');
  if (!(timeoutMs > 0)) throw new ObsConfigError('timeoutMs', 'expected > 0');
  for (const [i, hook] of hooks.entries())
    if (typeof (hook as { run?: unknown } | undefined)?.run !== 'function')
      throw new ObsConfigError(`hooks.${i}`, 'expected { name, run }');

  const say = (message: string, fields?: Record<string, unknown>) => {
    try {
      log(message, fields);
    } catch (err) {
      reportInternalError(err, '@obs/health: shutdown log');
    }
  };
  let running: Promise<number> | undefined;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const runHooksInOrder = async (): Promise<number> => {
    let code = 0;
    for (const hook of hooks) {
      try {
        await hook.run();
        say('shutdown hook done', { hook: hook.name });
      } catch (err) {
        code = 1;
        reportInternalError(err, `@obs/health: shutdown hook ${hook.name}`);
      }
    }
    return code;
  };
  // Once, whoever asks first: when the time runs out while a hook runs, the timeout path waits on
  // that same run rather than starting the hooks again (a second `pool.end()` throws).
  let hooksRun: Promise<number> | undefined;
  const runHooks = (): Promise<number> => (hooksRun ??= runHooksInOrder());

  const sequence = async (reason: string): Promise<number> => {
    say('shutdown started', { reason, drain_delay_ms: drainDelayMs });
    if (health) health.ready = false;
    // From now on every response asks its client to close the connection, so no client is
    // left holding a keep-alive socket that the close below shuts under its next request.
    http.prependListener('request', closeAfterResponse);
    await sleep(drainDelayMs);
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    // Keep-alive sockets that go idle after their last response close too.
    const sweeper = setInterval(() => http.closeIdleConnections(), 100);
    try {
      await closed;
      say('server closed: in-flight requests finished');
    } finally {
      clearInterval(sweeper);
    }
    health?.close();
    return runHooks();
  };

  const begin = (reason = 'requested'): Promise<number> => {
    running ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), drainDelayMs + timeoutMs);
      });
      let code = await Promise.race([sequence(reason), deadline]);
      clearTimeout(timer);
      if (code === 'timeout') {
        // Requests or hooks outlived the limit: cut the connections, but still flush logs, spans
        // and errors — a stuck shutdown is when they matter most — within a 5 s grace. Hooks
        // already running are waited on, not started again.
        say('shutdown timed out: closing the remaining connections', { timeout_ms: timeoutMs });
        http.closeAllConnections();
        const hooksDone = runHooks();
        const grace = new Promise<number>((resolve) => setTimeout(() => resolve(1), 5000).unref());
        await Promise.race([hooksDone, grace]);
        code = 1;
      }
      say('shutdown finished', { exit_code: code });
      exit(code);
      return code;
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      say('second signal: exiting now', { signal });
      exit(1);
      return;
    }
    void begin(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    begin,
    dispose: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
