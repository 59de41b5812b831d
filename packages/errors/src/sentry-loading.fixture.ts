// Spawned by sentry-loading.test.ts with a build of this package (argv[2]: its index.js or
// index.cjs). Records every module the process resolves, then prints, as JSON, whether any of
// Sentry's was among them after initErrors() without a DSN and with one, what captureError sent,
// and which client the app's own @sentry/node (ESM and CommonJS) sees.
import { createRequire, registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as Sentry from '@sentry/node';
import type * as Errors from './index';

const resolved: string[] = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.push(result.url);
    return result;
  },
});
const sentryLoaded = (): boolean => resolved.some((url) => url.includes('/node_modules/@sentry/'));

const entry = process.argv[2]!;
const appRequire = createRequire(entry);
const { initErrors } = (
  entry.endsWith('.cjs') ? appRequire(entry) : await import(pathToFileURL(entry).href)
) as typeof Errors;

const off = initErrors();
const withoutDsn = { enabled: off.enabled, sentryLoaded: sentryLoaded() };

const dsn = 'https://key@127.0.0.1:9/1';
// Nothing leaves the process: the transport keeps each event to be read back.
const events: Sentry.ErrorEvent[] = [];
const on = initErrors({
  dsn,
  transport: () => ({
    send: ([, items]) => {
      for (const [header, payload] of items)
        if (header.type === 'event') events.push(payload as Sentry.ErrorEvent);
      return Promise.resolve({});
    },
    flush: () => Promise.resolve(true),
  }),
});
const eventId = on.captureError(new Error('sent'), { extra: { password: 'hunter2' } });
const flushed = await on.flush(60_000); // the limit only guards against a hang
const withDsn = {
  enabled: on.enabled,
  sentryLoaded: sentryLoaded(),
  flushed,
  eventId,
  sent: events.map(({ event_id, extra }) => ({ event_id, extra })),
};

// The app's own copies, loaded after ours: ESM by import, CommonJS by require.
const esm = (await import('@sentry/node')) as typeof Sentry;
const cjs = appRequire('@sentry/node') as typeof Sentry;
const appSees = {
  esm: esm.getClient()?.getOptions().dsn,
  cjs: cjs.getClient()?.getOptions().dsn,
  same: esm.getClient() !== undefined && esm.getClient() === cjs.getClient(),
};
await on.close(60_000);

process.stdout.write(JSON.stringify({ withoutDsn, withDsn, appSees }));
