// Options of `obsDashboard()` (the Hono sub-app in `@obs/dashboard/hono`).
import type { ServiceInfoOptions } from '@obs/core';
import type { DashboardDefinition } from './definition';
import type { AlertSource, HealthSource, LogSource, MetricSource, SpanSource } from './sources';

export type DashboardAuth =
  /** A bearer token (as `metricsHandler`'s): the pages ask for it once and send it with every call. */
  | { bearer: string }
  /** HTTP basic auth on every path of the dashboard, pages included. */
  | { username: string; password: string }
  /** No protection: only when you mean it (a dashboard shows your traffic). */
  | false;

export interface DashboardOptions {
  /** Required: a token, basic auth, or `false` to turn protection off explicitly. */
  auth: DashboardAuth;
  /** The service's metrics; the Overview and Business pages read them. */
  metrics?: MetricSource;
  health?: HealthSource;
  /** Alerts page: the engine's alerts, and where its routes are mounted (actions call them). */
  alerts?: AlertSource;
  /** Where `alertRoutes()` of @obs/alerts/hono is mounted. @default '/alerts' */
  alertsPath?: string;
  logs?: LogSource;
  traces?: SpanSource;
  /** The Business page: the app's own panels. */
  business?: DashboardDefinition;
  /** The service shown in the page title, as every @obs package takes it (name from `OTEL_SERVICE_NAME` when not given). */
  service?: ServiceInfoOptions;
  /** How often the server samples the metrics and the pages refresh. @default 2000 */
  intervalMs?: number;
  /** How much history is kept for the charts. @default 300000 (5 minutes) */
  historyMs?: number;
}
