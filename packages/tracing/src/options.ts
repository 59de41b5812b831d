import { z } from 'zod';
import {
  configErrorFromIssues,
  ObsConfigError,
  resolveServiceInfo,
  type ServiceInfo,
  type ServiceInfoOptions,
} from '@obs/core';

export type ExporterKind = 'otlp' | 'console' | 'memory' | 'none';
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingOptions {
  /** Service identity on the resource. @default core's `resolveServiceInfo()` (env) */
  service?: ServiceInfoOptions;
  /**
   * Where finished spans go: OTLP over HTTP, the console (development), a bounded in-memory ring
   * (tests, the demo's own pages) or nowhere (spans still give logs their trace ids).
   * @default env `OTEL_TRACES_EXPORTER`, else 'otlp' when an OTLP endpoint is set, else 'none'
   */
  exporter?: ExporterKind;
  /**
   * OTLP base URL; `/v1/traces` is appended.
   * @default env `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is), then
   * `OTEL_EXPORTER_OTLP_ENDPOINT`, then http://localhost:4318
   */
  endpoint?: string;
  /** @default env `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`, else 'http/protobuf' */
  protocol?: OtlpProtocol;
  /** Sent with every export (vendor API keys). Merged over env `OTEL_EXPORTER_OTLP_HEADERS`. */
  headers?: Record<string, string>;
  /** One export request's time limit. @default 10_000 */
  exportTimeoutMs?: number;
  /**
   * Share of new traces recorded (parent-based: a request continues its caller's decision).
   * @default env `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG`, else 0.1 in production, 1 elsewhere
   */
  sampleRatio?: number;
  /** 'batch' exports in the background; 'simple' exports each span as it ends (tests). @default 'batch' */
  processor?: 'batch' | 'simple';
  /** Spans waiting for export; past this new ones are dropped and counted. @default 2048 */
  maxQueueSize?: number;
  /** @default 512 */
  maxExportBatchSize?: number;
  /** @default 5000 */
  scheduledDelayMillis?: number;
  /** Spans kept by the 'memory' exporter (oldest go first). @default 1000 */
  memorySpans?: number;
  /**
   * Also keep the last N finished spans in memory beside another exporter (OTLP, console), for a
   * service's own trace page: `tracing.memory` is that ring. The 'memory' exporter keeps its own
   * (`memorySpans`). @default 0 (none)
   */
  recentSpans?: number;
  /**
   * More span processors after ours (an APM vendor's, Sentry's). Their `onEnding` and `onEnd` see
   * spans already redacted; `onStart` gets the live span, its attributes not yet redacted.
   * @default []
   */
  spanProcessors?: unknown[];
  /** Attribute keys to redact, added to core's policy (e.g. `'**.*ssn*'`). @default [] */
  redactPaths?: string[];
  /** false (or env `OTEL_SDK_DISABLED=true`) sets nothing up; every helper is a cheap no-op. */
  enabled?: boolean;
}

const schema = z
  .object({
    service: z.record(z.string(), z.unknown()).optional(),
    exporter: z.enum(['otlp', 'console', 'memory', 'none']).optional(),
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    protocol: z.enum(['http/protobuf', 'http/json']).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    exportTimeoutMs: z.number().int().positive().optional(),
    sampleRatio: z.number().min(0).max(1).optional(),
    processor: z.enum(['batch', 'simple']).optional(),
    maxQueueSize: z.number().int().positive().optional(),
    maxExportBatchSize: z.number().int().positive().optional(),
    scheduledDelayMillis: z.number().int().nonnegative().optional(),
    memorySpans: z.number().int().positive().optional(),
    recentSpans: z.number().int().nonnegative().optional(),
    spanProcessors: z
      .array(
        z.custom<object>(
          (p) =>
            typeof p === 'object' &&
            p !== null &&
            ['onStart', 'onEnd', 'forceFlush', 'shutdown'].every(
              (method) => typeof (p as Record<string, unknown>)[method] === 'function',
            ),
          'expected span processors (onStart, onEnd, forceFlush, shutdown)',
        ),
      )
      .optional(),
    redactPaths: z.array(z.string()).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

/** Everything `initTracing` needs, options and environment resolved. */
export interface ResolvedTracingOptions {
  service: ServiceInfo;
  exporter: ExporterKind;
  url: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  exportTimeoutMs: number;
  sampler: SamplerChoice;
  processor: 'batch' | 'simple';
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  memorySpans: number;
  recentSpans: number;
  spanProcessors: object[];
  redactPaths: string[];
  enabled: boolean;
}

export type SamplerChoice =
  | { kind: 'ratio'; ratio: number; parentBased: boolean }
  | { kind: 'always_on' | 'always_off'; parentBased: boolean };

const nonEmpty = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value.trim() : undefined;

/** `k1=v1,k2=v2` with URL-encoded values, as the OTLP exporter specification defines it. */
export function parseOtlpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(
        pair.slice(at + 1).trim(),
      );
    } catch {
      throw new ObsConfigError('OTEL_EXPORTER_OTLP_HEADERS', 'a value is not valid URL encoding');
    }
  }
  return headers;
}

function envSampler(env: NodeJS.ProcessEnv, fallbackRatio: number): SamplerChoice {
  const name = nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase();
  const arg = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG);
  // A sampler named without its argument samples everything (the specification's default).
  let ratio = name === undefined ? fallbackRatio : 1;
  if (arg !== undefined) {
    ratio = Number(arg);
    if (!(ratio >= 0 && ratio <= 1))
      throw new ObsConfigError('OTEL_TRACES_SAMPLER_ARG', 'expected a number from 0 to 1');
  }
  switch (name) {
    case undefined:
    case 'parentbased_traceidratio':
      return { kind: 'ratio', ratio, parentBased: true };
    case 'traceidratio':
      return { kind: 'ratio', ratio, parentBased: false };
    case 'always_on':
    case 'always_off':
      return { kind: name, parentBased: false };
    case 'parentbased_always_on':
      return { kind: 'always_on', parentBased: true };
    case 'parentbased_always_off':
      return { kind: 'always_off', parentBased: true };
    default:
      throw new ObsConfigError(
        'OTEL_TRACES_SAMPLER',
        `unsupported sampler "${name}" (always_on, always_off, traceidratio, parentbased_*)`,
      );
  }
}

export function resolveOptions(
  options: TracingOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTracingOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw configErrorFromIssues(parsed.error.issues);
  const o = parsed.data;

  const tracesEndpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const baseEndpoint = o.endpoint ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const url =
    o.endpoint === undefined && tracesEndpoint
      ? tracesEndpoint
      : `${(baseEndpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;

  // A list (`otlp,console`) is allowed by the specification; the first one is used.
  const envExporter = nonEmpty(env.OTEL_TRACES_EXPORTER)?.toLowerCase().split(',')[0]?.trim();
  if (envExporter !== undefined && !['otlp', 'console', 'none'].includes(envExporter))
    throw new ObsConfigError('OTEL_TRACES_EXPORTER', 'expected otlp, console or none');
  const exporter: ExporterKind =
    o.exporter ??
    (envExporter as ExporterKind | undefined) ??
    (o.endpoint !== undefined || tracesEndpoint || baseEndpoint ? 'otlp' : 'none');

  const envProtocol =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL);
  if (envProtocol !== undefined && !['http/protobuf', 'http/json'].includes(envProtocol))
    throw new ObsConfigError(
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'expected http/protobuf or http/json (gRPC is not supported)',
    );

  const service = resolveServiceInfo(o.service, env);
  const defaultRatio = service.environment === 'production' ? 0.1 : 1;
  const sampler: SamplerChoice =
    o.sampleRatio !== undefined
      ? { kind: 'ratio', ratio: o.sampleRatio, parentBased: true }
      : envSampler(env, defaultRatio);

  const disabled = nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true';
  return {
    service,
    exporter,
    url,
    protocol: o.protocol ?? (envProtocol as OtlpProtocol | undefined) ?? 'http/protobuf',
    headers: {
      ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
      ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
      ...o.headers,
    },
    exportTimeoutMs: o.exportTimeoutMs ?? 10_000,
    sampler,
    processor: o.processor ?? 'batch',
    maxQueueSize: o.maxQueueSize ?? 2048,
    maxExportBatchSize: Math.min(o.maxExportBatchSize ?? 512, o.maxQueueSize ?? 2048),
    scheduledDelayMillis: o.scheduledDelayMillis ?? 5000,
    memorySpans: o.memorySpans ?? 1000,
    recentSpans: o.recentSpans ?? 0,
    spanProcessors: o.spanProcessors ?? [],
    redactPaths: o.redactPaths ?? [],
    enabled: o.enabled ?? !disabled,
  };
}
