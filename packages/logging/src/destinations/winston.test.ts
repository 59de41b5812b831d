import { describe, expect, it } from '@jest/globals';
import TransportStream from 'winston-transport';
import winston from 'winston';
import { setInternalErrorHandler } from '@obs/core';
import { createLogger } from '../index';
import { winstonDestination } from './winston';

/** A winston transport that keeps what it is given, optionally never finishing a write. */
class Capture extends TransportStream {
  readonly seen: Record<string, unknown>[] = [];
  constructor(private readonly stuck = false) {
    super();
  }
  override log(info: Record<string, unknown>, next: () => void): void {
    this.seen.push(info);
    if (!this.stuck) next();
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

  it('drops and counts records instead of buffering without bound behind a stuck transport', () => {
    const reports: unknown[] = [];
    setInternalErrorHandler((err) => reports.push(err));
    try {
      const destination = winstonDestination({ transports: [new Capture(true)], maxPending: 100 });
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
