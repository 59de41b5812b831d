import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { runWithContext, setInternalErrorHandler } from '@obs/core';
import { memoryDestination } from '@obs/logging';
import type { ErrorsOptions } from '@obs/errors';
import { createObservability, type Observability } from './index';

type SentryEvent = Parameters<NonNullable<ErrorsOptions['beforeSend']>>[0];

const opened: Pick<Observability, 'shutdown'>[] = [];
function open<T extends Pick<Observability, 'shutdown'>>(obs: T): T {
  opened.push(obs);
  return obs;
}

afterEach(async () => {
  setInternalErrorHandler(undefined);
  await Promise.all(opened.splice(0).map((o) => o.shutdown()));
});

const memoryTracing = { exporter: 'memory', processor: 'simple' } as const;

describe('createObservability (without a framework)', () => {
  it('creates every part with one service identity, trace ids reaching the logs', async () => {
    const logs = memoryDestination();
    const obs = open(
      createObservability({
        service: 'billing-worker',
        tracing: memoryTracing,
        logging: { destination: logs },
      }),
    );
    obs.tracing.tracer.startActiveSpan('rollup', (span) => {
      obs.logger.info('rolled up');
      span.end();
    });
    const [span] = obs.tracing.memory!.getFinishedSpans();
    expect(logs.records()).toEqual([
      expect.objectContaining({ service: 'billing-worker', trace_id: span!.spanContext().traceId }),
    ]);
    expect(await obs.metrics.metricsText()).toContain('service="billing-worker"');
    expect((await obs.health.report()).service).toBe('billing-worker');
    expect(obs.errors.service.name).toBe('billing-worker');
    expect(obs.service).toMatchObject({ name: 'billing-worker', instanceId: expect.any(String) });
  });

  it('reads the service identity from the environment when none is given', () => {
    process.env.OTEL_SERVICE_NAME = 'from-env';
    try {
      const obs = open(createObservability());
      expect(obs.service.name).toBe('from-env');
      expect(obs.errors.service.name).toBe('from-env');
    } finally {
      delete process.env.OTEL_SERVICE_NAME;
    }
  });

  it('creates nothing for a part switched off', () => {
    const obs = open(
      createObservability({
        tracing: false,
        errors: false,
        logging: false,
        metrics: false,
        health: false,
      }),
    );
    const parts: undefined[] = [obs.tracing, obs.errors, obs.logger, obs.metrics, obs.health];
    expect(parts).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it("sends a request's warnings with its error to Sentry as breadcrumbs when a DSN is set", async () => {
    // Sentry says, under jest only, that it cannot hook the module loader for its own spans.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const events: SentryEvent[] = [];
    const obs = open(
      createObservability({
        tracing: memoryTracing,
        logging: { destination: memoryDestination() },
        errors: {
          dsn: 'https://public@127.0.0.1:9/1',
          beforeSend: (event) => {
            events.push(event);
            return null; // seen, never sent
          },
        },
      }),
    );
    runWithContext({ requestId: 'req-1' }, () => {
      obs.logger.warn('cache slow');
      obs.errors.captureError(new Error('ledger out of balance'));
    });
    expect(await obs.errors.flush(30_000)).toBe(true); // done processing; the limit is a hang guard
    expect(events).toHaveLength(1);
    expect(events[0]!.breadcrumbs?.map((b) => b.message)).toContain('cache slow');
  });

  it('shares one Sentry client between two live calls: neither re-initialises it nor closes it under the other', async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const reported: string[] = [];
    setInternalErrorHandler((err) => reported.push((err as Error).message));
    const seen: string[] = [];
    const withSentry = (name: string, tracing: typeof memoryTracing | true) =>
      open(
        createObservability({
          tracing,
          logging: false,
          metrics: false,
          health: false,
          errors: {
            dsn: 'https://public@127.0.0.1:9/1',
            beforeSend: (event) => {
              seen.push(`${name}: ${event.exception?.values?.[0]?.value ?? ''}`);
              return null; // seen, never sent
            },
          },
        }),
      );
    const first = withSentry('first', memoryTracing);
    const second = withSentry('second', true);
    expect(second.errors).toBe(first.errors);
    expect(reported).toEqual([
      expect.stringContaining('options were not applied: dsn, beforeSend'),
    ]);

    await first.shutdown();
    second.errors.captureError(new Error('after the first shut down'));
    expect(await second.errors.flush(30_000)).toBe(true);
    expect(seen).toEqual(['first: after the first shut down']);
  });

  it("names a part's bad option from the kit's options, and leaves nothing set up", () => {
    expect(() =>
      createObservability({
        tracing: { exporter: 'memory', memorySpans: 5 },
        logging: { level: 'loud' as never },
      }),
    ).toThrow(expect.objectContaining({ name: 'ObsConfigError', option: 'logging.level' }));
    const obs = open(createObservability({ tracing: { exporter: 'memory', memorySpans: 3 } }));
    expect(obs.tracing.memory!.max).toBe(3);
  });

  it('keeps the name of a bad environment variable as it is', () => {
    process.env.OTEL_TRACES_SAMPLER_ARG = '2';
    try {
      expect(() => createObservability()).toThrow(
        expect.objectContaining({ option: 'OTEL_TRACES_SAMPLER_ARG' }),
      );
    } finally {
      delete process.env.OTEL_TRACES_SAMPLER_ARG;
    }
  });
});

describe('shutdown()', () => {
  it('never rejects: a part that fails to close is reported, and the others still close', async () => {
    const reported: string[] = [];
    setInternalErrorHandler((_err, where) => reported.push(where));
    const logs = memoryDestination();
    const obs = createObservability({
      tracing: memoryTracing,
      logging: { destination: { ...logs, close: () => Promise.reject(new Error('disk gone')) } },
    });
    obs.metrics.counter({ name: 'jobs_total', help: 'Jobs run.' }).inc();
    await expect(obs.shutdown()).resolves.toBeUndefined();
    expect(reported).toEqual(['@obs/kit: shutdown (logging)']);
    expect(await obs.metrics.metricsText()).not.toContain('jobs_total'); // released after it
  });
});
