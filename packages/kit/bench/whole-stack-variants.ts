// What the whole-stack benchmark compares, shared by the driver and the server (which imports only
// the libraries of the variant it runs, so that bare Hono's memory is bare Hono's).

export const VARIANTS = [
  'bare',
  'bare-spin',
  'context',
  'observe-100',
  'observe-10',
  'a-la-carte',
  'pino-prometheus',
  'winston-prometheus-otel',
] as const;
export type Variant = (typeof VARIANTS)[number];

export const LABELS: Record<Variant, string> = {
  bare: 'bare Hono',
  'bare-spin': 'bare Hono + 10 µs spin',
  context: 'obsContext() alone',
  'observe-100': 'observe() 100%',
  'observe-10': 'observe() 10%',
  'a-la-carte': '@obs middlewares by hand',
  'pino-prometheus': 'pino + @hono/prometheus',
  'winston-prometheus-otel': 'winston + prometheus + otel',
};

/** Which signals a variant produces, so which completeness checks apply to it. */
export const SIGNALS: Record<Variant, { logs: boolean; spans: boolean; metrics: boolean }> = {
  bare: { logs: false, spans: false, metrics: false },
  'bare-spin': { logs: false, spans: false, metrics: false },
  context: { logs: false, spans: false, metrics: false },
  'observe-100': { logs: true, spans: true, metrics: true },
  'observe-10': { logs: true, spans: true, metrics: true },
  'a-la-carte': { logs: true, spans: true, metrics: true },
  'pino-prometheus': { logs: true, spans: false, metrics: true },
  'winston-prometheus-otel': { logs: true, spans: true, metrics: true },
};

/** Every variant's share of new traces recorded, where it traces. */
export const SAMPLE_RATIO: Partial<Record<Variant, number>> = {
  'observe-100': 1,
  'observe-10': 0.1,
  'a-la-carte': 1,
  'winston-prometheus-otel': 1,
};

/**
 * The calibration variant's handler spins this long on the monotonic clock before answering: what
 * a known amount of CPU work per request costs in this run's ratios (on a busy 2-core machine the
 * server pays more than the work itself as the request rate falls: fewer events per wake-up).
 */
export const SPIN_MICROS = 10;

/** The route every variant serves, the path wrk asks for, and its span's name everywhere. */
export const ROUTE = '/api/items/:id';
export const PATH = '/api/items/42';
export const SPAN_NAME = `GET ${ROUTE}`;

/** What the server answers the `flush` message with, once every signal is written out. */
export interface FlushReport {
  /** Requests the route's handler answered, warm-up included. */
  served: number;
  /** Recording, sampled SERVER spans of the route that ended (a counting span processor). */
  sampled?: number;
  /** Spans our tracing reported dropped (queue full) or failed to export. */
  dropped?: number;
  failed?: number;
}
