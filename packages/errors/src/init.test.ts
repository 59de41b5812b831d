import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runWithContext } from '@obs/core';
import { initErrors, type ErrorTracker } from './init';
import { startSentryIngest, type SentryIngest } from './sentry-ingest.fixture';
import { HttpError } from './http-error';

// One Sentry client for the file (Sentry keeps it process-wide), so each test knows its own
// events by the ids captureError returns, never by their position among everything received.
let ingest: SentryIngest;
let errors: ErrorTracker;
/** What the user's beforeSend was given, by event id. */
const seen = new Map<string, unknown>();
beforeAll(async () => {
  ingest = await startSentryIngest();
  errors = initErrors({
    dsn: ingest.dsn,
    ignoreErrors: ['ECONNRESET'],
    beforeSend: (event) => {
      seen.set(event.event_id!, event.extra);
      return event.tags?.drop ? null : event;
    },
  });
});
afterAll(async () => {
  await errors.close(30_000);
  await ingest.close();
});

/** Sends everything queued (the limit only guards against a hang) and returns what arrived of `ids`. */
async function delivered(ids: (string | undefined)[]) {
  expect(await errors.flush(30_000)).toBe(true);
  return ingest.events.filter((e) => ids.includes(e.event_id));
}

describe('captureError', () => {
  it('adds the caller’s tags and extra (redacted before the user’s beforeSend sees them)', async () => {
    const id = runWithContext({ requestId: 'req-1', userId: 'u-7', workspaceId: 'w-3' }, () =>
      errors.captureError(new Error('credit ledger out of balance'), {
        tags: { job: 'rollup' },
        extra: { batch: 17, api_key: 'k-live-123' },
      }),
    );
    const events = await delivered([id]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      user: { id: 'u-7' },
      tags: { job: 'rollup', request_id: 'req-1', workspace_id: 'w-3' },
      extra: { batch: 17, api_key: '[REDACTED]' },
    });
    expect(seen.get(id!)).toEqual({ batch: 17, api_key: '[REDACTED]' });
  });

  it('drops what the user’s beforeSend drops, ignored errors, and 4xx HttpErrors', async () => {
    const ids = [
      errors.captureError(new Error('dropped by hook'), { tags: { drop: true } }),
      errors.captureError(new Error('read ECONNRESET')),
      errors.captureError(new Error('kept')),
    ];
    expect(errors.captureError(new HttpError(404))).toBeUndefined();
    // After a complete flush every event Sentry kept has arrived: no wait for stragglers.
    const events = await delivered(ids);
    expect(events.map((e) => e.exception.values[0]!.value)).toEqual(['kept']);
  });

  it('attaches the request’s own warn-and-above log records as breadcrumbs, never another request’s', async () => {
    const log = (level: string, message: string) =>
      errors.breadcrumbs.write({
        level,
        time: Date.now(),
        line: JSON.stringify({ level, message, logger: 'db', password: 'x' }),
      });
    // Two requests that even share a (client-supplied) request id.
    const [id] = await Promise.all([
      runWithContext({ requestId: 'req-a' }, async () => {
        log('info', 'not a breadcrumb');
        log('warn', 'pool nearly exhausted');
        await new Promise((resolve) => setTimeout(resolve, 5));
        return errors.captureError(new Error('query timed out'));
      }),
      runWithContext({ requestId: 'req-a' }, async () => {
        log('error', 'other request');
        await Promise.resolve();
      }),
    ]);
    const [event] = await delivered([id]);
    const crumbs = (event!.breadcrumbs ?? []).filter((c) => c.category?.startsWith('log'));
    expect(crumbs).toEqual([
      expect.objectContaining({
        message: 'pool nearly exhausted',
        level: 'warning',
        category: 'log.db',
      }),
    ]);
  });
});

describe('initErrors without a DSN', () => {
  it('is a working no-op that never throws', async () => {
    const saved = process.env.SENTRY_DSN;
    delete process.env.SENTRY_DSN;
    try {
      const off = initErrors();
      expect(off.enabled).toBe(false);
      expect(off.captureError(new Error('x'))).toBeUndefined();
      expect(await off.flush()).toBe(true);
    } finally {
      if (saved !== undefined) process.env.SENTRY_DSN = saved;
    }
  });

  it('rejects bad options, naming them', () => {
    for (const [options, option] of [
      [{ dsn: 'not a dsn' }, 'dsn'],
      [{ sampleRate: 3 }, 'sampleRate'],
      [{ ignoreStatuses: ['404'] }, 'ignoreStatuses.0'],
      [{ beforeSend: 'yes' }, 'beforeSend'],
      [{ openTelemetry: 'maybe' }, 'openTelemetry'],
    ] as const) {
      expect(() => initErrors(options as never)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', option }),
      );
    }
  });
});
