import { describe, expect, it } from '@jest/globals';
import { prettyLine } from './pretty';

const record = {
  timestamp: '2026-11-22T10:00:00.123Z',
  level: 'error',
  message: 'first\nsecond\r\u001b[2J',
  service: 'api',
  environment: 'development',
  version: '1',
  logger: 'db',
  pid: 1,
  hostname: 'h',
  request_id: 'req-1',
  rows: 3,
  note: 'has space',
};

describe('prettyLine', () => {
  it('colors level and dims the rest, on one line, showing the request id', () => {
    const line = prettyLine(JSON.stringify(record), true);
    expect(line).toContain('\x1b[31mERROR\x1b[0m');
    expect(line.split('\n')).toHaveLength(1);
    expect(line).not.toContain('\r');
    expect(line).toContain('request_id=req-1');
  });

  it('escapes control characters in keys, values and the logger name too', () => {
    const line = prettyLine(
      JSON.stringify({
        ...record,
        logger: 'db\r\u001b[1A',
        message: 'm',
        'evil\n12:00:00.000 ERROR [app] forged': 1,
        a: 'qqqq\u001bz',
        b: '\u001b[1Ax',
      }),
      false,
    );
    expect(line.split('\n')).toHaveLength(1);
    expect(Array.from(line, (ch) => ch.charCodeAt(0)).filter((c) => c < 0x20)).toEqual([]);
    expect(line).toContain('[db\\r\\u001b[1A]');
  });

  it('escapes control characters so a message cannot draw on the terminal', () => {
    const line = prettyLine(JSON.stringify(record), false);
    expect(line).toBe(
      '10:00:00.123 ERROR [db] first\\nsecond\\r\\u001b[2J  request_id=req-1 rows=3 note="has space"',
    );
  });
});
