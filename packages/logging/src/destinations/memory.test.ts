import { describe, expect, it } from '@jest/globals';
import { memoryDestination } from './memory';

describe('memory destination', () => {
  it('keeps the most recent records, oldest first, and counts them all', () => {
    const sink = memoryDestination({ limit: 3 });
    for (let i = 0; i < 5; i++) sink.write({ level: 'info', time: i, line: JSON.stringify({ i }) });
    expect(sink.records()).toEqual([{ i: 2 }, { i: 3 }, { i: 4 }]);
    expect(sink.lines()).toEqual(['{"i":2}', '{"i":3}', '{"i":4}']);
    expect(sink.total).toBe(5);
    sink.clear();
    expect(sink.records()).toEqual([]);
    expect(sink.total).toBe(0);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => memoryDestination({ limit: 0 })).toThrow(
      expect.objectContaining({ option: 'limit' }),
    );
  });
});
