// The service assembled: storage, observability, the domain and the HTTP API on one Hono app.
// `createService` does no I/O beyond opening storage, so tests build it and call `app.request`.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { routeTemplate } from '@obs/core/hono';
import { getContext } from '@obs/core';
import { payloadTooLarge } from '@obs/errors';
import { errorHandler, notFoundHandler } from '@obs/errors/hono';
import { authenticate, type AuthFailureReason } from './api/auth';
import { docsRoutes } from './api/docs';
import { registerApi, type ApiEnv } from './api/routes';
import type { Config } from './config';
import { AnalyticsService } from './domain/analytics';
import { MAX_BATCH } from './domain/events';
import { RollupJob } from './domain/rollup';
import { createObservability } from './observability';
import { openStorage, type Storage } from './storage';

function injectFaults(): MiddlewareHandler {
  return async (c, next) => {
    const fault = c.req.header('x-fault');
    const delay = fault && /^delay=(\d{1,4}|10000)$/.exec(fault);
    if (delay) await new Promise((resolve) => setTimeout(resolve, Number(delay[1])));
    if (fault === 'error') throw new Error('injected fault (X-Fault: error)');
    await next();
  };
}

export type Observability = ReturnType<typeof createObservability>;

export interface Service {
  app: OpenAPIHono<ApiEnv>;
  config: Config;
  storage: Storage;
  obs: Observability;
  analytics: AnalyticsService;
  rollup: RollupJob;
  /** Starts the background work: the rollup schedule and the alert engine. */
  start(): void;
  /** Stops the background work, flushes every signal and closes storage. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /**
   * Wire the observability middleware and routes. Off only for the benchmark's baseline: the
   * error handlers still answer problem+json, nothing else observes requests. @default true
   */
  instrument?: boolean;
}

export async function createService(
  config: Config,
  options: ServiceOptions = {},
): Promise<Service> {
  const storage = await openStorage(config);
  let obs: Observability;
  try {
    obs = createObservability(config, storage);
  } catch (err) {
    await storage.close(); // a bad observability option must not leave the database open
    throw err;
  }
  const { repo, cache } = storage;
  const analytics = new AnalyticsService(
    repo,
    cache,
    obs.m.cacheOperations,
    config.CACHE_TTL_SECONDS,
  );
  const rollup = new RollupJob(
    repo,
    { jobs: obs.m.jobs, activeUsers: obs.m.activeUsers },
    obs.logger,
  );

  const app = new OpenAPIHono<ApiEnv>({
    // Validation failures become 422 problem+json with each field's path (the error handler
    // turns zod errors into that); a batch over the limit is 413, as for an oversized body.
    defaultHook: (result) => {
      if (result.success) return;
      const tooMany = result.error.issues.some(
        (i) => i.code === 'too_big' && i.path.length === 1 && i.path[0] === 'events',
      );
      if (tooMany) throw payloadTooLarge(`A batch holds at most ${MAX_BATCH} events.`);
      throw result.error;
    },
  });
  if (options.instrument ?? true) obs.install(app);
  else {
    app.onError(errorHandler());
    app.notFound(notFoundHandler());
  }

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Analytics API',
      version: config.APP_VERSION ?? '0.0.0',
      description: 'Usage events, credits and analytics per workspace, observed with @obs.',
    },
  });
  docsRoutes(app, '/openapi.json');
  app.get('/', (c) =>
    c.json({
      service: config.SERVICE_NAME,
      docs: '/docs',
      openapi: '/openapi.json',
      metrics: '/metrics',
      health: '/health',
    }),
  );

  const onAuthFailure = (reason: AuthFailureReason, c: Context, detail: Record<string, string>) => {
    const ctx = getContext();
    obs.m.authFailures.inc({ reason });
    obs.logger.warn('authentication failed', { reason, ...detail });
    // The route template, not the raw path: bounded records, whatever a caller sends.
    const route = routeTemplate(c) ?? 'unmatched';
    obs.audit.audit({
      actor: ctx?.userId ?? `ip:${ctx?.clientIp ?? 'unknown'}`,
      action: `${c.req.method} ${route}`,
      resource: detail.workspace_id ? `workspace:${detail.workspace_id}` : route,
      outcome: reason === 'forbidden' ? 'denied' : 'failure',
      reason,
      request_id: ctx?.requestId,
      client_ip: ctx?.clientIp,
      ...detail,
    });
  };
  app.use(
    '/api/v1/*',
    authenticate({ repo, adminToken: config.adminToken, onFailure: onAuthFailure }),
  );
  // Chaos for demos and the fault tests, for authenticated callers only: with FAULT_INJECTION on,
  // `X-Fault: error` fails the request (a 500 on its route, nothing stored) and
  // `X-Fault: delay=250` slows it (at most 10 s).
  if (config.FAULT_INJECTION) app.use('/api/v1/*', injectFaults());
  registerApi(app, {
    repo,
    analytics,
    rollup,
    onAuthFailure,
    onCredits: (workspaceId, agentId, credits) => obs.m.credits(workspaceId, agentId, credits),
  });

  let closed: Promise<void> | undefined;
  return {
    app,
    config,
    storage,
    obs,
    analytics,
    rollup,
    start: () => {
      rollup.start(config.ROLLUP_INTERVAL_MS);
      if (options.instrument ?? true) obs.alerts.start();
    },
    close: () =>
      (closed ??= (async () => {
        rollup.stop();
        await rollup.idle();
        await obs.close();
        await storage.close();
      })()),
  };
}
