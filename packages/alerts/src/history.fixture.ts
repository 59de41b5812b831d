// A History over hand-written points, for testing queries without an engine.
import type { History, Sample } from './query';

export interface SeriesPoints {
  name: string;
  labels: Record<string, string>;
  /** [ms, value] pairs, oldest first. */
  points: [number, number][];
}

export function historyOf(series: SeriesPoints[], now: number): History {
  return {
    now,
    instant: (name) =>
      series
        .filter((s) => s.name === name && s.points.length > 0)
        .map((s): Sample => ({ name, labels: s.labels, value: s.points.at(-1)![1] })),
    range: (name, windowMs) =>
      series
        .filter((s) => s.name === name)
        .map((s) => ({
          labels: s.labels,
          points: s.points.filter(([t]) => t >= now - windowMs && t <= now),
        })),
  };
}

/** A counter growing by `perSecond` every second for `seconds`, ending at `now`. */
export function counter(
  name: string,
  labels: Record<string, string>,
  perSecond: number,
  seconds: number,
  now: number,
): SeriesPoints {
  return {
    name,
    labels,
    points: Array.from({ length: seconds + 1 }, (_, i) => [
      now - (seconds - i) * 1000,
      i * perSecond,
    ]),
  };
}
