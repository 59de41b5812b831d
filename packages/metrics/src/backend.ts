import { reportInternalError } from '@obs/core';
import { loadHotShots } from './hot-shots';

/** Every recording, as it happens: what a push backend forwards. */
export type Tap = (
  kind: 'count' | 'gauge' | 'observe',
  name: string,
  value: number,
  labels: Readonly<Record<string, string>>,
) => void;

/** Needs the hot-shots package (an optional peer dependency): `npm install hot-shots`. */
export interface StatsdBackendOptions {
  type: 'statsd';
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 8125 */
  port?: number;
  /** Prepended to every stat name, e.g. `'analytics.'`. */
  prefix?: string;
  /** Tags on every stat (DogStatsD `#key:value`), e.g. `{ service: 'analytics' }`. */
  tags?: Record<string, string>;
}

export interface ConsoleBackendOptions {
  type: 'console';
  /** Where lines go. @default process.stderr */
  write?: (line: string) => void;
}

/** seed 003's pluggable backends: where recordings are pushed besides the Prometheus registry. */
export type BackendOptions = StatsdBackendOptions | ConsoleBackendOptions;

export interface Backend {
  readonly tap: Tap;
  close(): Promise<void>;
}

function statsdBackend(o: StatsdBackendOptions): Backend {
  const StatsD = loadHotShots();
  const client = new StatsD({
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 8125,
    prefix: o.prefix ?? '',
    globalTags: o.tags ?? {},
    protocol: 'udp',
    // UDP send errors (nothing listening, a full buffer) are reported, never thrown.
    errorHandler: (err) => reportInternalError(err, '@obs/metrics: statsd backend'),
  });
  return {
    tap(kind, name, value, labels) {
      if (kind === 'count') client.increment(name, value, labels);
      else if (kind === 'gauge') client.gauge(name, value, labels);
      else client.histogram(name, value, labels);
    },
    close: () => new Promise((resolve) => client.close(() => resolve())),
  };
}

function consoleBackend(o: ConsoleBackendOptions): Backend {
  const write = o.write ?? ((line: string) => process.stderr.write(line));
  const verbs = { count: '+', gauge: '=', observe: '~' } as const;
  return {
    tap(kind, name, value, labels) {
      const tags = Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',');
      write(`[metrics] ${name}${tags ? `{${tags}}` : ''} ${verbs[kind]}${value}\n`);
    },
    close: () => Promise.resolve(),
  };
}

/** Options were validated by createMetrics's schema: the type is one of the two. */
export function createBackend(options: BackendOptions): Backend {
  return options.type === 'statsd' ? statsdBackend(options) : consoleBackend(options);
}
