// Every @obs package wired into one service: the file to copy. Requests meet the middleware in
// this order: context → tracing → request log → HTTP metrics → routes, with errors answered as
// problem+json. Shutdown flushes each signal in turn, so nothing is lost on SIGTERM.
import type { Hono } from 'hono';
import * as alerting from '@obs/alerts';
import { alertRoutes } from '@obs/alerts/hono';
import { obsContext } from '@obs/core/hono';
import { initErrors } from '@obs/errors';
import { errorHandler, notFoundHandler } from '@obs/errors/hono';
import * as checks from '@obs/health';
import { healthRoutes } from '@obs/health/hono';
import * as logging from '@obs/logging';
import { requestLogger } from '@obs/logging/hono';
import { createMetrics } from '@obs/metrics';
import { httpMetrics, metricsHandler } from '@obs/metrics/hono';
import { initTracing } from '@obs/tracing';
import { tracing as traceRequests } from '@obs/tracing/hono';
import { alertRules } from './alert-rules';
import { appMetrics } from './app-metrics';
import type { Config } from './config';
import type { Storage } from './storage';

export function createObservability(config: Config, { db, repo, cache }: Storage) {
  const { service, adminToken } = config;
  // Tracing before errors: Sentry then finds our provider and tags its events with our trace ids.
  const exporter = config.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'memory';
  const tracing = initTracing({ service, exporter });
  const errors = initErrors({ service, dsn: config.SENTRY_DSN });
  const loki = config.LOKI_URL ? logging.lokiDestination({ url: config.LOKI_URL }) : undefined;
  const logger = logging.createLogger({
    service,
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
    // Breadcrumbs: the last log lines before an error travel with it to Sentry.
    destination: [config.LOG_FILE ?? 'stdout', ...(loki ? [loki] : []), errors.breadcrumbs],
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

  const { ALERT_WEBHOOK_URL: webhook, SLACK_WEBHOOK_URL: slack, ALERTMANAGER_URL: am } = config;
  const notifiers = [
    alerting.logNotifier((msg, fields) => logger.warn(msg, fields)),
    ...(webhook ? [alerting.webhookNotifier({ url: webhook })] : []),
    ...(slack ? [alerting.slackNotifier({ webhookUrl: slack })] : []),
    ...(am ? [alerting.alertmanagerNotifier({ url: am })] : []),
  ];
  const alerts = alerting.createAlertEngine({
    source: alerting.registrySource(metrics.registry),
    rules: alertRules(config.SERVICE_NAME, config.ALERT_FOR), // exported too: monitoring/alerts
    intervalMs: config.ALERT_INTERVAL_MS,
    notifiers,
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
    const auth = config.METRICS_TOKEN ? { bearer: config.METRICS_TOKEN } : undefined;
    app.get('/metrics', metricsHandler({ metrics, auth }));
    app.route('/', healthRoutes(health, { token: adminToken }));
    app.route('/', alertRoutes(alerts, { token: adminToken }));
  }

  /** Flushes and closes every signal: first what produces telemetry, then what carries it. */
  async function shutdown(): Promise<void> {
    alerts.stop();
    health.close();
    await alerts.idle();
    await tracing.shutdown();
    await errors.close(2000);
    await audit.close();
    await logger.close();
    await metrics.shutdown();
  }

  return { tracing, errors, logger, audit, metrics, m, health, alerts, install, shutdown };
}
