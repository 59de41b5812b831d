// Every @obs package wired into one service: the file to copy. Requests meet context → tracing →
// request log → HTTP metrics → routes; errors answer as problem+json; shutdown flushes every signal.
import type { Hono } from 'hono';
import * as alerting from '@obs/alerts';
import { alertRoutes } from '@obs/alerts/hono';
import { obsContext } from '@obs/core/hono';
import { initErrors } from '@obs/errors';
import { obsDashboard } from '@obs/dashboard/hono';
import { errorHandler, notFoundHandler } from '@obs/errors/hono';
import * as checks from '@obs/health';
import { healthRoutes } from '@obs/health/hono';
import * as logging from '@obs/logging';
import { requestLogger } from '@obs/logging/hono';
import { createMetrics } from '@obs/metrics';
import { httpMetrics, metricsHandler } from '@obs/metrics/hono';
import { initTracing } from '@obs/tracing';
import { tracing as traceRequests } from '@obs/tracing/hono';
import { alertNotifiers, alertRules } from './alert-rules';
import { businessDashboard } from './dashboards';
import { appMetrics } from './app-metrics';
import type { Config } from './config';
import type { Storage } from './storage';

export function createObservability(config: Config, { db, repo, cache }: Storage) {
  const { service, adminToken } = config;
  // Tracing before errors: Sentry then finds our provider and tags its events with our trace ids.
  const exporter = config.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'memory';
  const tracing = initTracing({ service, exporter, recentSpans: 1000 }); // recent ones: /_obs
  const errors = initErrors({ service, dsn: config.SENTRY_DSN });
  const loki = config.LOKI_URL ? logging.lokiDestination({ url: config.LOKI_URL }) : undefined;
  const recentLogs = logging.memoryDestination({ limit: 2000 }); // the dashboard's Logs page
  // Breadcrumbs: the last log lines before an error travel with it to Sentry.
  const sinks = [recentLogs, errors.breadcrumbs, ...(loki ? [loki] : [])];
  const logger = logging.createLogger({
    service,
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
    destination: [config.LOG_FILE ?? 'stdout', ...sinks],
  });
  const audit = logging.createAuditLogger({ path: config.auditLog, service });
  const metrics = createMetrics({ service, collectDefaultMetrics: true });
  const m = appMetrics(metrics, () => db.pool(), {
    spans: () => tracing.stats(),
    logs: loki && (() => loki.stats()),
    checkHealth: () => health.report(), // health_check_status{check}, fresh at each scrape
  });

  const health = checks.createHealth({ service, onResult: (name, r) => m.health(name, r.status) });
  health.register('database', checks.sqlCheck(repo.ping)); // critical: no database, not ready
  const optional = { critical: false, cacheMs: 5000 };
  if (cache.kind === 'redis') health.register('redis', checks.redisCheck(cache), optional);
  if (config.MAIN_APP_URL)
    health.register('main_app', checks.httpCheck(config.MAIN_APP_URL), optional);
  health.register('disk', checks.diskCheck(config.DATA_DIR), optional);
  health.register('memory', checks.memoryCheck(), optional);
  health.register('event_loop', checks.eventLoopCheck(), { critical: false });
  const source = alerting.registrySource(metrics.registry); // samples for alerts and dashboard
  const alerts = alerting.createAlertEngine({
    source,
    rules: alertRules(config.SERVICE_NAME, config.ALERT_FOR), // exported too: monitoring/alerts
    intervalMs: config.ALERT_INTERVAL_MS,
    notifiers: alertNotifiers(config, (message, fields) => logger.warn(message, fields)),
    store: repo.alertStore<alerting.Alert>(),
  });

  /** The middleware and operational routes; call it before adding the app's own routes. */
  function install<E extends object>(app: Hono<E>): void {
    app.use(obsContext());
    app.use(traceRequests());
    app.use(requestLogger({ logger }));
    app.use(httpMetrics({ metrics }));
    const log = ({ error, original }: { error: { status: number }; original: unknown }) =>
      error.status >= 500 && logger.error('request failed', { error: original });
    app.onError(errorHandler({ errors, log, count: (labels) => m.errors.inc(labels) }));
    app.notFound(notFoundHandler());
    const scrape = config.METRICS_TOKEN ? { bearer: config.METRICS_TOKEN } : undefined;
    app.get('/metrics', metricsHandler({ metrics, auth: scrape }));
    app.route('/', healthRoutes(health, { token: adminToken }));
    app.route('/', alertRoutes(alerts, { token: adminToken }));
    app.route('/_obs', dashboard);
  }
  // The live dashboard (/_obs) needs no Prometheus or Grafana; the admin token opens it.
  const sources = { metrics: source, health, alerts, logs: recentLogs, traces: tracing.memory };
  const auth = { bearer: adminToken };
  const dashboard = obsDashboard({ service, auth, ...sources, business: businessDashboard() });
  /** Flushes and closes every signal: first what produces telemetry, then what carries it. */
  async function close(): Promise<void> {
    dashboard.close();
    alerts.stop();
    health.close();
    await alerts.idle();
    await tracing.shutdown();
    await errors.close(2000);
    await audit.close();
    await logger.close();
    await metrics.shutdown();
  }

  return { tracing, errors, logger, audit, metrics, m, health, alerts, dashboard, install, close };
}
