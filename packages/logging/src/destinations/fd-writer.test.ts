import { describe, expect, it, jest } from '@jest/globals';
import { setInternalErrorHandler } from '@obs/core';
import { FdWriter } from './fd-writer';

function eagain(): never {
  throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), {
    code: 'EAGAIN',
  });
}

describe('FdWriter on a pipe whose reader stalls', () => {
  it('waits a bounded time, drops and counts, then stops waiting until the pipe drains', () => {
    setInternalErrorHandler(() => undefined);
    // Its limits are wall-clock: a clock that moves 1 ms per reading makes them counts, so
    // neither a slow sleep (fewer retries) nor a pause (past the no-wait period) can move them.
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock++);
    try {
      let calls = 0;
      let full = true;
      const written: string[] = [];
      const writer = new FdWriter(99, 'test', (_fd, data, offset) => {
        calls++;
        if (full) eagain();
        written.push(data.subarray(offset).toString());
        return data.length - offset;
      });
      writer.write('a\nb\n');
      writer.flushSync();
      expect(writer.dropped).toBe(2);
      expect(calls).toBeGreaterThan(50); // it waited (1 ms sleeps) before giving up
      calls = 0;
      writer.write('c\n');
      writer.flushSync();
      expect(calls).toBe(1); // no waiting while the reader is known to be stalled
      expect(writer.dropped).toBe(3);
      full = false;
      writer.write('d\n');
      writer.flushSync();
      expect(written).toEqual(['d\n']);
      writer.close();
    } finally {
      setInternalErrorHandler(undefined);
    }
  });

  it('starts a fresh line after a drop that left half a line behind', () => {
    setInternalErrorHandler(() => undefined);
    try {
      let mode: 'half' | 'error' | 'ok' = 'half';
      const written: string[] = [];
      const writer = new FdWriter(99, 'test', (_fd, data, offset) => {
        if (mode === 'half') {
          mode = 'error';
          written.push(data.subarray(offset, offset + 3).toString());
          return 3;
        }
        if (mode === 'error') throw Object.assign(new Error('EIO'), { code: 'EIO' });
        written.push(data.subarray(offset).toString());
        return data.length - offset;
      });
      writer.write('{"a":1}\n{"b":2}\n');
      writer.flushSync();
      mode = 'ok';
      writer.write('{"c":3}\n');
      writer.flushSync();
      const lines = written.join('').split('\n');
      expect(lines).toEqual(['{"a', '{"c":3}', '']);
      expect(writer.dropped).toBe(2);
      writer.close();
    } finally {
      setInternalErrorHandler(undefined);
    }
  });
});
