// Values as people read them, by the panel's unit (the Unit of ../src/definition).
import type { Unit } from '../src/definition';

function trim(n: number, digits = 3): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 100) return n.toFixed(0);
  return Number(n.toPrecision(digits)).toString();
}

/** `n` in the largest unit of `units` (each `base` times the one before) that keeps it ≥ 1. */
function scaled(n: number, base: number, units: readonly string[]): [string, string] {
  let i = 0;
  let v = n;
  while (Math.abs(v) >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return [trim(v), units[i]!];
}

const si = (n: number): string => scaled(n, 1000, ['', 'k', 'M', 'G', 'T']).join('');
const bytes = (n: number): string => scaled(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB']).join(' ');

/** Seconds as µs, ms or s. */
export function seconds(n: number): string {
  const abs = Math.abs(n);
  if (abs === 0) return '0 ms';
  if (abs < 0.001) return `${trim(n * 1e6)} µs`;
  if (abs < 1) return `${trim(n * 1000)} ms`;
  return `${trim(n)} s`;
}

export function formatValue(n: number | null | undefined, unit: Unit | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  switch (unit) {
    case 'reqps':
      return `${si(n)} req/s`;
    case 'ops':
      return `${si(n)} ops/s`;
    case 'percentunit':
      return `${trim(n * 100)}%`;
    case 'percent':
      return `${trim(n)}%`;
    case 's':
      return seconds(n);
    case 'bytes':
      return bytes(n);
    case 'short':
    case undefined:
      return si(n);
  }
}

/** Milliseconds of a duration (spans, traces). */
export function millis(ms: number): string {
  return seconds(ms / 1000);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local wall-clock time with milliseconds: `14:03:07.125`. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `12 s ago`, `3 min ago`, `2 h ago`. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
