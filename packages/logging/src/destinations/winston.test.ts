import { describe, expect, it } from '@jest/globals';
import TransportStream from 'winston-transport';
import winston from 'winston';
import { setInternalErrorHandler } from '@obs/core';
import { createLogger } from '../index';
import { winstonDestination } from './winston';

/** A winston transport that keeps what it is given; slow, or never finishing a write, if asked. */
class Capture extends TransportStream {
  readonly seen: Record<string, unknown>[] = [];
  done = 0;
  constructor(private readonly mode: 'fast' | 'slow' | 'stuck' = 'fast') {
    super();
  }
  override log(info: Record<string, unknown>, next: () => void): void {
    this.seen.push(info);
    const finish = () => {
      this.done++;
      next();
    };
    if (this.mode === 'fast') finish();
    else if (this.mode === 'slow') setTimeout(finish, 5);
  }
}

describe('winston destination', () => {
  it('sends records through winston transports, winston formats and levels included', async () => {
    const capture = new Capture();
    const logger = createLogger({
      level: 'trace',
      destination: winstonDestination({
        transports: [capture],
        format: winston.format((info) => ({ ...info, formatted: true }))(),
      }),
    });
    logger.trace('t');
    logger.fatal('f', { code: 7 });
    await logger.close();
    expect(capture.seen.map((i) => [i.level, i.message, i.formatted])).toEqual([
      ['trace', 't', true],
      ['fatal', 'f', true],
    ]);
    expect(capture.seen[1]).toMatchObject({ code: 7, service: expect.any(String) });
  });

  it('accepts winston transports directly as the destination', async () => {
    const capture = new Capture();
    const logger = createLogger({ destination: [capture] });
    logger.info('direct');
    await logger.flush();
    expect(capture.seen.map((i) => i.message)).toEqual(['direct']);
  });

  it('flushes only when a slow transport has written everything', async () => {
    const capture = new Capture('slow');
    const logger = createLogger({ destination: [capture] });
    for (let i = 0; i < 40; i++) logger.info('slow', { i });
    await logger.flush();
    expect(capture.done).toBe(40);
    await logger.close();
  });

  it('drops and counts records instead of buffering without bound behind a stuck transport', () => {
    const reports: unknown[] = [];
    setInternalErrorHandler((err) => reports.push(err));
    try {
      const destination = winstonDestination({
        transports: [new Capture('stuck')],
        maxPending: 100,
      });
      const logger = createLogger({ destination });
      for (let i = 0; i < 5000; i++) logger.info('flood', { i });
      expect(destination.dropped).toBeGreaterThan(4000);
      expect(reports).toHaveLength(1);
    } finally {
      setInternalErrorHandler(undefined);
    }
  });

  it('rejects anything but winston transports', () => {
    expect(() => winstonDestination({ transports: [{} as TransportStream] })).toThrow(
      expect.objectContaining({ option: 'destination.transports' }),
    );
  });
});
