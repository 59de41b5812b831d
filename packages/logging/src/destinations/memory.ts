import { ObsConfigError } from '@obs/core';
import type { LogDestination, LogEntry } from './destination';

export interface MemoryDestination extends LogDestination {
  /** The records held, oldest first, parsed. */
  records(): Record<string, unknown>[];
  /** The records held, oldest first, as JSON lines. */
  lines(): string[];
  /** Records written since creation, including those the ring has since let go. */
  readonly total: number;
  clear(): void;
}

/**
 * Keeps the most recent records in memory (a ring of `limit` entries), for tests and for a
 * service's own log page.
 *
 * @example
 * ```ts
 * const sink = memoryDestination({ limit: 500 });
 * const logger = createLogger({ destination: [stdoutDestination(), sink] });
 * ```
 */
export function memoryDestination(options: { limit?: number } = {}): MemoryDestination {
  const { limit = 1000 } = options;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ObsConfigError('limit', 'expected an integer ≥ 1');
  }
  const ring: (LogEntry | undefined)[] = new Array<LogEntry | undefined>(limit);
  let total = 0;
  const held = (): LogEntry[] => {
    const count = Math.min(total, limit);
    const out: LogEntry[] = [];
    for (let i = total - count; i < total; i++) out.push(ring[i % limit]!);
    return out;
  };
  return {
    write(entry) {
      ring[total % limit] = entry;
      total++;
    },
    records: () => held().map((e) => JSON.parse(e.line) as Record<string, unknown>),
    lines: () => held().map((e) => e.line),
    get total() {
      return total;
    },
    clear() {
      ring.fill(undefined);
      total = 0;
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
