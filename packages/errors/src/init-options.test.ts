import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as Sentry from '@sentry/node';
import { initErrors, type ErrorTracker, type SentryIntegration } from './init';
import { startSentryIngest, type SentryIngest } from './sentry-ingest.fixture';

// Sentry keeps one client per process: each test sets up its own and closes it. Sentry sets up
// no OpenTelemetry of its own ('external'), which it could not do twice in one process.
let ingest: SentryIngest;
let errors: ErrorTracker | undefined;
beforeAll(async () => {
  ingest = await startSentryIngest();
});
afterEach(async () => {
  await errors?.close(30_000);
  errors = undefined;
});
afterAll(async () => {
  await ingest.close();
});

/** An integration that tags every event, so the event shows it ran. */
function marker(tag: string): SentryIntegration {
  return {
    name: `Marker-${tag}`,
    processEvent(event) {
      event.tags = { ...event.tags, [tag]: 'yes' };
      return event;
    },
  };
}

/** The event captureError sent (the flush limit only guards against a hang). */
async function sent(tracker: ErrorTracker, error: Error) {
  const id = tracker.captureError(error);
  expect(id).toBeDefined();
  expect(await tracker.flush(30_000)).toBe(true);
  return (await ingest.event(id!)) as Awaited<ReturnType<SentryIngest['event']>> & {
    server_name?: string;
  };
}

describe('Sentry options passed through', () => {
  it('serverName names the host on every event', async () => {
    errors = initErrors({
      dsn: ingest.dsn,
      openTelemetry: 'external',
      serverName: 'checkout-7f9c',
    });
    expect((await sent(errors, new Error('with a server name'))).server_name).toBe('checkout-7f9c');
  });

  it('integrations given as a list run beside ours', async () => {
    errors = initErrors({
      dsn: ingest.dsn,
      openTelemetry: 'external',
      integrations: [marker('listed')],
    });
    const event = await sent(errors, new Error('with a listed integration'));
    expect(event.tags).toMatchObject({ listed: 'yes' });
    // Ours are still there: the process handlers stay installProcessHandlers()'s.
    const names = Sentry.getClient()!
      .getOptions()
      .integrations.map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['Marker-listed', 'LinkedErrors']));
    expect(names).not.toContain('OnUncaughtException');
  });

  it('integrations given as a function get ours, without the process handlers, and decide', async () => {
    const given: string[] = [];
    errors = initErrors({
      dsn: ingest.dsn,
      openTelemetry: 'external',
      integrations: (defaults) => {
        given.push(...defaults.map((i) => i.name));
        return [...defaults.filter((i) => i.name !== 'LinkedErrors'), marker('chosen')];
      },
    });
    const event = await sent(errors, new Error('with a chosen integration'));
    expect(event.tags).toMatchObject({ chosen: 'yes' });
    expect(given).toContain('LinkedErrors');
    expect(given).not.toContain('OnUncaughtException');
    expect(given).not.toContain('OnUnhandledRejection');
    const names = Sentry.getClient()!
      .getOptions()
      .integrations.map((i) => i.name);
    expect(names).toContain('Marker-chosen');
    expect(names).not.toContain('LinkedErrors');
  });

  it('profilesSampleRate 0 reaches Sentry as a profile session rate, and needs no profiler', () => {
    errors = initErrors({ dsn: ingest.dsn, openTelemetry: 'external', profilesSampleRate: 0 });
    expect(errors.enabled).toBe(true);
    expect(Sentry.getClient()!.getOptions()).toMatchObject({
      profileSessionSampleRate: 0,
      profileLifecycle: 'trace',
    });
  });
});

describe('profiling without @sentry/profiling-node installed', () => {
  it.each([
    ['with a DSN', true],
    ['without a DSN, so the mistake shows before production', false],
  ])('throws an ObsConfigError naming profilesSampleRate, %s', (_label, withDsn) => {
    const before = Sentry.getClient();
    const call = () =>
      initErrors({ ...(withDsn ? { dsn: ingest.dsn } : {}), profilesSampleRate: 0.1 });
    expect(call).toThrow(
      expect.objectContaining({
        name: 'ObsConfigError',
        option: 'profilesSampleRate',
        message: expect.stringContaining('npm install @sentry/profiling-node') as unknown,
      }),
    );
    // Nothing was set up.
    expect(Sentry.getClient()).toBe(before);
  });
});

describe('the new options checked', () => {
  it.each([
    [{ profilesSampleRate: 2 }, 'profilesSampleRate'],
    [{ serverName: 42 }, 'serverName'],
    [{ serverName: '' }, 'serverName'],
    [{ integrations: [{}] }, 'integrations'],
    [{ integrations: 'Http' }, 'integrations'],
  ])('rejects %j, naming %s', (options, option) => {
    expect(() => initErrors(options as never)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        option: expect.stringMatching(`^${option}`) as unknown,
      }),
    );
  });
});
