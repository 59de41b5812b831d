import { describe, expect, it } from '@jest/globals';
import { MetricHistory } from './history';

describe('MetricHistory', () => {
  it('never holds more than historyMs / intervalMs + 1 points a series', () => {
    const history = new MetricHistory(2000, 10_000);
    expect(history.capacity).toBe(6);
    for (let i = 0; i < 20; i++) {
      history.ingest(i * 2000, [{ name: 'x_total', labels: {}, value: i }]);
      expect(history.points).toBeLessThanOrEqual(6);
    }
    const series = [...history.series.values()][0]!;
    expect(series.values).toHaveLength(6);
    const held = [];
    for (let k = history.oldest; k < history.ticks; k++) held.push(history.valueAt(series, k));
    expect(held).toEqual([14, 15, 16, 17, 18, 19]);
    expect(history.valueAt(series, 13)).toBeNaN();
  });

  it('drops a label set once it has no point left in the history', () => {
    const history = new MetricHistory(1000, 3000); // 4 points
    const removed: string[] = [];
    history.onRemove = (s) => removed.push(s.labels.route!);
    history.ingest(0, [
      { name: 'x_total', labels: { route: '/gone' }, value: 1 },
      { name: 'x_total', labels: { route: '/stays' }, value: 1 },
    ]);
    for (let i = 1; i <= 3; i++)
      history.ingest(i * 1000, [{ name: 'x_total', labels: { route: '/stays' }, value: 1 }]);
    expect(history.series.size).toBe(2); // its first point is still held
    history.ingest(4000, [{ name: 'x_total', labels: { route: '/stays' }, value: 1 }]);
    expect([...history.series.values()].map((s) => s.labels.route)).toEqual(['/stays']);
    expect(removed).toEqual(['/gone']);
  });

  it('keys series by their label set whatever the label order', () => {
    const history = new MetricHistory(1000, 3000);
    history.ingest(0, [{ name: 'x', labels: { a: '1', b: '2' }, value: 1 }]);
    history.ingest(1000, [{ name: 'x', labels: { b: '2', a: '1' }, value: 2 }]);
    expect(history.series.size).toBe(1);
  });
});
