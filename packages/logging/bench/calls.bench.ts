// Per-call costs with output discarded: a disabled level (should be a no-op call), a record with
// and without caller info (a stack capture), against pino writing to a discarding stream.
import { Writable } from 'node:stream';
import { bench, run, summary } from 'mitata';
import pino from 'pino';
import { runWithContext } from '@obs/core';
import { createLogger, type LogDestination } from '../src/index';
import { context, fields } from './record';

const done = () => Promise.resolve();
const discard: LogDestination = { write: () => undefined, flush: done, close: done };
const ours = createLogger({ destination: discard, service: { name: 'bench' } });
const withCaller = createLogger({ destination: discard, service: { name: 'bench' }, caller: true });
const sink = new Writable({ write: (_c, _e, cb) => cb() });
const theirs = pino({ base: { service: 'bench' } }, sink);

// Inside the context, so context injection is part of what is measured.
await runWithContext(context, async () => {
  summary(() => {
    bench('pino: debug (disabled)', () => theirs.debug(fields, 'x')).baseline(true);
    bench('@obs/logging: debug (disabled)', () => ours.debug('x', fields));
  });
  summary(() => {
    bench('pino: info, formatted and discarded', () => {
      theirs.info(fields, 'request completed');
    }).baseline(true);
    bench('@obs/logging: info, formatted and discarded', () => {
      ours.info('request completed', fields);
    });
    bench('@obs/logging: info with caller: true', () => {
      withCaller.info('request completed', fields);
    });
  });
  await run({ colors: false });
});
