// What the dashboard reads, as small interfaces: the other packages' objects fit them as they are
// (or through a one-line adapter in the app), so this package imports no leaf package.

/** One metric sample: `registrySource(metrics.registry)` of @obs/alerts lists them, for example. */
export interface MetricSample {
  /** The sample's own name: `http_requests_total`, `http_request_duration_seconds_bucket`. */
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** The service's metrics: anything that lists its current samples (a prom-client registry adapter). */
export interface MetricSource {
  collect(): readonly MetricSample[] | Promise<readonly MetricSample[]>;
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** @obs/health's `createHealth()` fits: its `report()` gives the status of each check. */
export interface HealthSource {
  report(): Promise<{
    status: HealthStatus;
    checks: Record<
      string,
      { status: HealthStatus; latency_ms: number; critical: boolean; error?: string }
    >;
  }>;
}

/** An alert as @obs/alerts' engine lists it (the fields the dashboard shows). */
export interface AlertRecord {
  id: string;
  name: string;
  state: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | undefined;
  source: string;
  activeAt: number;
  startsAt: number | undefined;
  endsAt: number | undefined;
  silencedUntil: number | undefined;
  acknowledgedBy: string | undefined;
}

/** @obs/alerts' `createAlertEngine()` fits: active alerts and the stored history. */
export interface AlertSource {
  alerts(): readonly AlertRecord[];
  history(limit?: number): Promise<readonly AlertRecord[]>;
}

/**
 * Recent log records, oldest first, as the JSON objects the logger wrote: @obs/logging's
 * `memoryDestination()` fits (its `records()`), with the fields on the wire (`timestamp`, `level`,
 * `message`, `request_id`, `trace_id`...). Records are already redacted by the logger.
 */
export interface LogSource {
  records(): readonly Record<string, unknown>[];
}

/** A finished span, in plain values (@obs/tracing's `SpanRing.records()` gives these). */
export interface SpanRecord {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  /** `server`, `client`, `internal`, `producer`, `consumer`. */
  kind: string;
  /** Epoch milliseconds (fractional). */
  start_ms: number;
  duration_ms: number;
  status: 'unset' | 'ok' | 'error';
  status_message?: string;
  attributes: Record<string, unknown>;
  events: { name: string; time_ms: number; attributes: Record<string, unknown> }[];
}

/** Recent finished spans, oldest first. Spans are already redacted by the tracer. */
export interface SpanSource {
  records(): readonly SpanRecord[];
}
