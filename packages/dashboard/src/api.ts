// The JSON the dashboard's pages read from its data endpoints (under the mount path, e.g.
// `/_obs/api/...`). One set of types for the server that writes them and the pages that read them.
import type { AlertRecord, HealthStatus, SpanRecord } from './sources';
import type { Unit } from './definition';

/**
 * Values over time in columns, as uPlot draws them: `t` in epoch seconds, then one array per
 * series of the same length; `null` where a series has no point.
 */
export interface SeriesFrame {
  t: number[];
  series: { label: string; values: (number | null)[] }[];
}

/** A panel of a definition, with its data over the history kept. */
export interface PanelData {
  title: string;
  unit: Unit | undefined;
  type: 'timeseries' | 'stat';
  data: SeriesFrame;
}

/** `GET {mount}/api/config`: what the pages need to start. */
export interface ConfigResponse {
  service: string;
  title: string;
  /** How often the pages refresh (ms). */
  refreshMs: number;
  /** How much history the server keeps (ms). */
  historyMs: number;
  /** The pages this dashboard has (those whose source was given). */
  pages: ('overview' | 'business' | 'logs' | 'traces' | 'alerts')[];
  /** Where the alert routes are mounted (acknowledge/silence/resolve POST there). */
  alertsPath: string | undefined;
}

export interface RouteRow {
  method: string;
  route: string;
  /** Requests per second over the last minute. */
  rate: number;
  /** Share of 5xx answers over the last minute (0–1). */
  errorRate: number;
  /** p95 latency over the last minute (seconds); null without requests. */
  p95: number | null;
}

/** `GET {mount}/api/overview` */
export interface OverviewResponse {
  /** Server time (epoch ms). */
  now: number;
  /** The overview definition's panels (request rate, error rate, latency, in flight, CPU...). */
  panels: PanelData[];
  /** Per route, busiest first (at most 50). */
  routes: RouteRow[];
  health:
    | {
        status: HealthStatus;
        checks: {
          name: string;
          status: HealthStatus;
          latency_ms: number;
          critical: boolean;
          error?: string;
        }[];
      }
    | undefined;
}

/** `GET {mount}/api/business`: the configured business panels. */
export interface BusinessResponse {
  now: number;
  title: string;
  panels: PanelData[];
}

/**
 * `GET {mount}/api/logs?level=&q=&request_id=&trace_id=&limit=`: the newest matching records,
 * newest first. `level` keeps that level and above; `q` matches message and fields as text.
 */
export interface LogsResponse {
  records: Record<string, unknown>[];
  /** Records held in the ring (before filtering). */
  held: number;
  /** Records that matched (before `limit`). */
  matched: number;
}

export interface TraceSummary {
  trace_id: string;
  /** The root span's name (or the earliest span's when the root is not held). */
  name: string;
  start_ms: number;
  duration_ms: number;
  spans: number;
  error: boolean;
  /** The request id of the root span's request (`http.request.header.x-request-id` or `request_id`), when known. */
  request_id?: string;
}

/** `GET {mount}/api/traces?limit=`: the recent traces, newest first. */
export interface TracesResponse {
  traces: TraceSummary[];
}

/** `GET {mount}/api/traces/:traceId`: one trace's spans, by start time. 404 when not held. */
export interface TraceResponse {
  trace_id: string;
  spans: SpanRecord[];
}

/** `GET {mount}/api/alerts`: active alerts, and recent history. */
export interface AlertsResponse {
  active: AlertRecord[];
  history: AlertRecord[];
}
