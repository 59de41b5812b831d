import { createRequire } from 'node:module';
import { getCallSites } from 'node:util';
// Types only: @sentry/node itself is loaded by loadSentry(), when there is a DSN.
import type * as Sentry from '@sentry/node';
import type { Breadcrumb, ErrorEvent, EventHint } from '@sentry/node';
import { trace } from '@opentelemetry/api';
import { z } from 'zod';
import {
  configErrorFromIssues,
  contextScope,
  ObsConfigError,
  getContext,
  getTraceIds,
  reportInternalError,
  resolveServiceInfo,
  type ServiceInfo,
  type ServiceInfoOptions,
} from '@obs/core';
import { isHttpError } from './http-error';
import { createScrubber } from './scrub';

/** A Sentry integration (`Sentry.httpIntegration()`, `nodeProfilingIntegration()`, …). */
export type SentryIntegration = Extract<
  NonNullable<Sentry.NodeOptions['integrations']>,
  readonly unknown[]
>[number];

export interface ErrorsOptions {
  /** Where events go. @default env `SENTRY_DSN`; none: a working no-op */
  dsn?: string;
  /** @default env `SENTRY_ENVIRONMENT`, else core's service environment */
  environment?: string;
  /** @default env `SENTRY_RELEASE`, else `name@version` from core's service info */
  release?: string;
  service?: ServiceInfoOptions;
  /** Share of errors sent. @default 1 */
  sampleRate?: number;
  /** Share of transactions Sentry records itself (only when Sentry owns OpenTelemetry). @default undefined: none */
  tracesSampleRate?: number;
  /**
   * Share of traces Sentry records that are profiled (Sentry's `profileSessionSampleRate` with
   * `profileLifecycle: 'trace'`). Above 0 it needs `@sentry/profiling-node` installed, and traces
   * recorded by Sentry (`tracesSampleRate`, Sentry owning OpenTelemetry). @default undefined: none
   */
  profilesSampleRate?: number;
  /** The host's name on every event (`server_name`). @default Sentry's: the machine's hostname */
  serverName?: string;
  /**
   * Sentry integrations added to ours, or a function given ours (Sentry's defaults without its
   * process handlers, plus profiling) that returns the list to use, as `Sentry.init` takes it.
   */
  integrations?: SentryIntegration[] | ((defaults: SentryIntegration[]) => SentryIntegration[]);
  /** Statuses never reported. @default every 4xx */
  ignoreStatuses?: number[];
  /** Messages (substring) or patterns never reported. */
  ignoreErrors?: (string | RegExp)[];
  /** Your hook, run after ours (scrubbing, ignored statuses): return null to drop. */
  beforeSend?: (
    event: ErrorEvent,
    hint: EventHint,
  ) => ErrorEvent | null | Promise<ErrorEvent | null>;
  /** @default 50 */
  maxBreadcrumbs?: number;
  /** @default true */
  attachStacktrace?: boolean;
  /** Let Sentry collect IP addresses, cookies and user details itself. @default false */
  sendDefaultPii?: boolean;
  /** More keys to redact, added to core's policy. */
  redactPaths?: string[];
  /**
   * Who owns OpenTelemetry. 'external': another provider (`@obs/tracing`'s) is registered; Sentry
   * sets none up, and events carry the active trace's ids. 'sentry': Sentry registers its own
   * provider, so `@opentelemetry/api` spans become Sentry spans. 'auto': 'external' when a
   * provider is already registered (call `initTracing` first), else 'sentry'. @default 'auto'
   */
  openTelemetry?: 'auto' | 'external' | 'sentry';
  /** Sentry's transport, for tests. */
  transport?: Sentry.NodeOptions['transport'];
}

const schema = z
  .object({
    dsn: z.url({ protocol: /^https?$/ }).optional(),
    environment: z.string().min(1).optional(),
    release: z.string().min(1).optional(),
    service: z.record(z.string(), z.string().optional()).optional(),
    sampleRate: z.number().min(0).max(1).optional(),
    tracesSampleRate: z.number().min(0).max(1).optional(),
    profilesSampleRate: z.number().min(0).max(1).optional(),
    serverName: z.string().min(1).optional(),
    integrations: z
      .union([
        z.array(
          z.custom<SentryIntegration>(
            (i) => typeof (i as { name?: unknown } | null)?.name === 'string',
            'expected Sentry integrations ({ name, … })',
          ),
        ),
        z.function(),
      ])
      .optional(),
    ignoreStatuses: z.array(z.number().int().min(100).max(599)).optional(),
    ignoreErrors: z.array(z.union([z.string(), z.instanceof(RegExp)])).optional(),
    beforeSend: z.function().optional(),
    maxBreadcrumbs: z.number().int().min(0).max(1000).optional(),
    attachStacktrace: z.boolean().optional(),
    sendDefaultPii: z.boolean().optional(),
    redactPaths: z.array(z.string()).optional(),
    openTelemetry: z.enum(['auto', 'external', 'sentry']).optional(),
    transport: z.function().optional(),
  })
  .strict();

/** Extra context for one capture (seed 001's `capture_error_with_context`). */
export interface CaptureContext {
  /** Searchable tags. */
  tags?: Record<string, string | number | boolean>;
  /** Anything else, under `extra` (redacted like the rest). */
  extra?: Record<string, unknown>;
  /** The request, as Sentry shows it (headers, query and body are redacted). */
  request?: { method?: string; url?: string; headers?: Record<string, string>; data?: unknown };
  /** 'fatal' | 'error' | 'warning' … @default 'error' */
  level?: Sentry.SeverityLevel;
  /** The HTTP status the error answered with, checked against `ignoreStatuses`. */
  status?: number;
}

/** A log destination (structurally `@obs/logging`'s) that keeps warn and above as breadcrumbs. */
export interface BreadcrumbSink {
  write(entry: { level: string; time: number; line: string }): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface ErrorTracker {
  /** True when a DSN is set and events can leave the process. */
  readonly enabled: boolean;
  /** `sendDefaultPii`: client addresses and user details may be sent. */
  readonly sendsPii: boolean;
  readonly service: ServiceInfo;
  /** Reports `error` with the request context; returns the event id, or undefined when not sent. */
  captureError(error: unknown, context?: CaptureContext): string | undefined;
  /** Give this to `createLogger({ destination: [..., tracker.breadcrumbs] })`. */
  readonly breadcrumbs: BreadcrumbSink;
  /** Sends what is queued; resolves false when `timeoutMs` passed first. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes and stops sending. */
  close(timeoutMs?: number): Promise<boolean>;
}

const BREADCRUMB_LEVELS: Record<string, Sentry.SeverityLevel> = {
  warn: 'warning',
  error: 'error',
  fatal: 'fatal',
};

/** A breadcrumb's message is cut here: a log line may be large. */
const MAX_MESSAGE = 500;

/**
 * Per-request breadcrumbs, keyed by core's context scope (one object per request, however
 * many requests share a client-supplied request id), so requests never see each other's and
 * each list goes away with its request.
 */
function breadcrumbStore(max: number) {
  const byRequest = new WeakMap<object, Breadcrumb[]>();
  const sink: BreadcrumbSink = {
    write(entry) {
      const level = BREADCRUMB_LEVELS[entry.level];
      const scope = contextScope();
      if (!level || !scope || max === 0) return;
      let crumbs = byRequest.get(scope);
      if (!crumbs) byRequest.set(scope, (crumbs = []));
      let record: Record<string, unknown> = {};
      try {
        record = JSON.parse(entry.line) as Record<string, unknown>;
      } catch {
        // not JSON (a pretty line): keep it as the message
      }
      crumbs.push({
        type: 'default',
        category: typeof record.logger === 'string' ? `log.${record.logger}` : 'log',
        level,
        message: (typeof record.message === 'string' ? record.message : entry.line).slice(
          0,
          MAX_MESSAGE,
        ),
        timestamp: entry.time / 1000,
      });
      if (crumbs.length > max) crumbs.shift();
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const current = (): Breadcrumb[] => {
    const scope = contextScope();
    return (scope && byRequest.get(scope)) ?? [];
  };
  return { sink, current };
}

/**
 * @sentry/node, loaded when a DSN is configured and not before: loading it costs about 40 MB of
 * RSS and 20 MB of heap (Node 24), which a service without Sentry should not pay. Loaded
 * synchronously, so initErrors() stays synchronous.
 *
 * Under ESM this is Sentry's CommonJS build, while an app's own `import * as Sentry from
 * '@sentry/node'` gets its ESM build. The two copies share one state: Sentry keeps its client and
 * scopes on a global carrier (`globalThis.__SENTRY__`, per SDK version), so the app's copy sees
 * the client initErrors() created (sentry-loading.test.ts reads it back). The price, only for an
 * ESM app that imports @sentry/node itself, is the second copy's code: about 30 MB of RSS.
 */
function loadSentry(): typeof Sentry {
  try {
    return requireBesideThisFile()('@sentry/node') as typeof Sentry;
  } catch (err) {
    // A bundler cannot see this require: a bundled app must install @sentry/node beside the
    // bundle and keep it external (esbuild --external:@sentry/node, webpack externals).
    throw new ObsConfigError(
      'dsn',
      `a DSN is set but @sentry/node could not be loaded (${messageOf(err)}): install @sentry/node next to your app, and mark it external if you bundle the app`,
      { cause: err },
    );
  }
}

/** `require` from beside this file (see loadSentry). */
function requireBesideThisFile(): NodeJS.Require {
  // This module's own file, without import.meta (it breaks the CJS build and jest). Under ESM it
  // is a file URL: require from beside this file, where @sentry/node is installed, not from the
  // working directory. Under CommonJS (our CJS build, jest) it is a path, and the module's own
  // require does that already; in jest it also keeps Sentry in the test's module registry.
  const file = getCallSites(1, { sourceMap: false })[0]?.scriptName ?? '';
  return file.startsWith('file:') ? createRequire(file) : require;
}

const PROFILING = '@sentry/profiling-node';

/**
 * `nodeProfilingIntegration()` when profiling is asked for and there is a DSN; without one, only
 * whether the optional package is installed is checked, so the mistake shows before production.
 * Loaded like @sentry/node, and only then: it is a native module.
 *
 * @throws ObsConfigError naming `profilesSampleRate` when `@sentry/profiling-node` is missing.
 */
function profilingIntegration(
  rate: number | undefined,
  dsn: string | undefined,
): SentryIntegration | undefined {
  if (!rate) return undefined;
  const load = requireBesideThisFile();
  try {
    if (!dsn) {
      load.resolve(PROFILING);
      return undefined;
    }
    const profiling = load(PROFILING) as { nodeProfilingIntegration(): SentryIntegration };
    return profiling.nodeProfilingIntegration();
  } catch (err) {
    const missing =
      (err as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND' &&
      messageOf(err).includes(PROFILING);
    throw new ObsConfigError(
      'profilesSampleRate',
      missing
        ? `profiling needs ${PROFILING}, which is not installed: npm install ${PROFILING} (the same version as @sentry/node), or leave profilesSampleRate unset`
        : `${PROFILING} could not be loaded: ${messageOf(err)}`,
      { cause: err },
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sets up error tracking on Sentry (`@sentry/node`): environment and release from core's service
 * info, every event scrubbed by core's redaction policy before your `beforeSend`, 4xx never
 * reported, and each capture in its own scope carrying the request's user, workspace, request id
 * and trace. With no DSN it is a working no-op.
 *
 * @example
 * ```ts
 * const errors = initErrors({ dsn: process.env.SENTRY_DSN });
 * app.onError(errorHandler({ errors, logger: (err, c) => log.error('request failed', { err }) }));
 * ```
 */
export function initErrors(options: ErrorsOptions = {}): ErrorTracker {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw configErrorFromIssues(parsed.error.issues);
  const o = parsed.data as ErrorsOptions;
  const service = resolveServiceInfo(o.service);
  const dsn = o.dsn ?? (process.env.SENTRY_DSN?.trim() || undefined);
  const maxBreadcrumbs = o.maxBreadcrumbs ?? 50;
  const crumbs = breadcrumbStore(maxBreadcrumbs);
  const ignoreStatuses = new Set(
    o.ignoreStatuses ?? Array.from({ length: 100 }, (_, i) => 400 + i),
  );
  const scrub = createScrubber(o.redactPaths ?? []);
  const ignored = (status: number | undefined) =>
    status !== undefined && ignoreStatuses.has(status);

  const profiling = profilingIntegration(o.profilesSampleRate, dsn);

  if (!dsn) {
    return {
      enabled: false,
      sendsPii: false,
      service,
      breadcrumbs: crumbs.sink,
      captureError: () => undefined,
      flush: () => Promise.resolve(true),
      close: () => Promise.resolve(true),
    };
  }

  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const otelRegistered =
    typeof provider.getDelegate === 'function' &&
    (provider.getDelegate() as { constructor?: { name?: string } }).constructor?.name !==
      'NoopTracerProvider';
  const mode = o.openTelemetry ?? 'auto';
  const sentryOwnsOtel = mode === 'sentry' || (mode === 'auto' && !otelRegistered);

  const sentry = loadSentry();
  sentry.init({
    dsn,
    environment: o.environment ?? (process.env.SENTRY_ENVIRONMENT?.trim() || service.environment),
    release:
      o.release ?? (process.env.SENTRY_RELEASE?.trim() || `${service.name}@${service.version}`),
    sampleRate: o.sampleRate ?? 1,
    ...(o.tracesSampleRate !== undefined ? { tracesSampleRate: o.tracesSampleRate } : {}),
    // Sentry 11 profiles by session: 'trace' profiles while Sentry's sampled spans run, as
    // profilesSampleRate did.
    ...(o.profilesSampleRate !== undefined
      ? { profileSessionSampleRate: o.profilesSampleRate, profileLifecycle: 'trace' as const }
      : {}),
    ...(o.serverName !== undefined ? { serverName: o.serverName } : {}),
    maxBreadcrumbs,
    attachStacktrace: o.attachStacktrace ?? true,
    // Sentry 11 spells sendDefaultPii as dataCollection; ours still scrubs whatever is collected.
    dataCollection: o.sendDefaultPii
      ? { userInfo: true, cookies: true, httpBodies: ['incomingRequest'] }
      : {
          userInfo: false,
          cookies: false,
          // Bodies are scrubbed key by key below; local variables could hold anything.
          httpBodies: ['incomingRequest'],
          stackFrameVariables: false,
        },
    ...(o.ignoreErrors ? { ignoreErrors: o.ignoreErrors } : {}),
    enableOpenTelemetrySetup: sentryOwnsOtel,
    // Process handlers are installProcessHandlers()'s: capture, flush, then Node's exit.
    integrations: (defaults) => {
      const ours = defaults.filter(
        (i) => i.name !== 'OnUncaughtException' && i.name !== 'OnUnhandledRejection',
      );
      if (profiling) ours.push(profiling);
      const { integrations } = o;
      return typeof integrations === 'function'
        ? integrations(ours)
        : [...ours, ...(integrations ?? [])];
    },
    ...(o.transport ? { transport: o.transport } : {}),
    beforeBreadcrumb: (crumb) => scrub.breadcrumb(crumb),
    beforeSend: async (event, hint) => {
      try {
        const status =
          (event.tags?.['http.status_code'] as number | undefined) ??
          (isHttpError(hint.originalException) ? hint.originalException.status : undefined);
        if (ignored(typeof status === 'string' ? Number(status) : status)) return null;
        const clean = scrub.event(event);
        return o.beforeSend ? await o.beforeSend(clean, hint) : clean;
      } catch (err) {
        // Our scrubbing failed: drop the event rather than send it unscrubbed.
        reportInternalError(err, '@obs/errors: beforeSend');
        return null;
      }
    },
  });

  return {
    enabled: true,
    sendsPii: o.sendDefaultPii ?? false,
    service,
    breadcrumbs: crumbs.sink,
    captureError(error, context = {}) {
      const status = context.status ?? (isHttpError(error) ? error.status : undefined);
      if (ignored(status)) return undefined;
      try {
        return sentry.withScope((scope) => {
          const ctx = getContext();
          if (ctx?.userId) scope.setUser({ id: ctx.userId });
          if (ctx?.workspaceId) scope.setTag('workspace_id', ctx.workspaceId);
          if (ctx?.requestId) scope.setTag('request_id', ctx.requestId);
          const ids = getTraceIds();
          if (ids) {
            scope.setPropagationContext({
              traceId: ids.traceId,
              parentSpanId: ids.spanId,
              sampled: (ids.traceFlags & 1) === 1,
              sampleRand: Math.random(),
            });
            scope.setTag('trace_id', ids.traceId);
          }
          if (status !== undefined) scope.setTag('http.status_code', status);
          if (context.tags) scope.setTags(context.tags);
          if (context.extra) scope.setExtras(context.extra);
          if (context.level) scope.setLevel(context.level);
          for (const crumb of crumbs.current()) scope.addBreadcrumb(crumb, maxBreadcrumbs);
          const request = context.request;
          if (request) {
            scope.addEventProcessor((event) => {
              event.request = { ...event.request, ...request };
              return event;
            });
          }
          return sentry.captureException(error);
        });
      } catch (err) {
        reportInternalError(err, '@obs/errors: captureError');
        reportInternalError(new Error(messageOf(error)), '@obs/errors: the error not captured');
        return undefined;
      }
    },
    flush: async (timeoutMs = 2000) => {
      try {
        return await sentry.flush(timeoutMs);
      } catch (err) {
        reportInternalError(err, '@obs/errors: flush');
        return false;
      }
    },
    close: async (timeoutMs = 2000) => {
      try {
        return await sentry.close(timeoutMs);
      } catch (err) {
        reportInternalError(err, '@obs/errors: close');
        return false;
      }
    },
  };
}
