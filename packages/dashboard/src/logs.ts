// The Logs page's query over the recent-records ring: newest first, by level (that level and
// above), text, request id and trace id. Records come out redacted, and a text search matches the
// redacted record, so it cannot probe a value the redaction hides.
import type { Redactor } from '@obs/core';
import type { LogsResponse } from './api';

/**
 * Severity of each level name, higher is more severe: @obs/logging's levels (pino's numbers:
 * trace … fatal), and winston's npm levels among them for records other loggers wrote.
 */
export const LOG_LEVELS = {
  fatal: 60,
  error: 50,
  warn: 40,
  info: 30,
  http: 25,
  verbose: 22,
  debug: 20,
  trace: 10,
  silly: 10,
} as const;

export type LogLevel = keyof typeof LOG_LEVELS;

export interface LogQuery {
  level?: LogLevel | undefined;
  q?: string | undefined;
  request_id?: string | undefined;
  trace_id?: string | undefined;
  limit: number;
}

function severity(level: unknown): number {
  if (typeof level !== 'string') return -1;
  return (LOG_LEVELS as Record<string, number>)[level.toLowerCase()] ?? -1;
}

export function queryLogs(
  all: readonly Record<string, unknown>[],
  query: LogQuery,
  redact: Redactor,
): LogsResponse {
  const min = query.level === undefined ? undefined : LOG_LEVELS[query.level];
  const text = query.q?.toLowerCase();
  const records: Record<string, unknown>[] = [];
  let matched = 0;
  for (let i = all.length - 1; i >= 0; i--) {
    // A sink could hold anything: skip what is not a record rather than throw.
    const item: unknown = all[i];
    if (item === null || typeof item !== 'object') continue;
    const record = item as Record<string, unknown>;
    if (min !== undefined && severity(record.level) < min) continue;
    if (query.request_id !== undefined && record.request_id !== query.request_id) continue;
    if (query.trace_id !== undefined && record.trace_id !== query.trace_id) continue;
    let clean: Record<string, unknown> | undefined;
    if (text !== undefined) {
      if (!JSON.stringify(record).toLowerCase().includes(text)) continue;
      clean = redact(record) as Record<string, unknown>;
      if (!JSON.stringify(clean).toLowerCase().includes(text)) continue;
    }
    matched++;
    if (records.length < query.limit)
      records.push(clean ?? (redact(record) as Record<string, unknown>));
  }
  return { records, held: all.length, matched };
}
