import { describe, expect, it } from '@jest/globals';
import { SlidingWindow } from './window';

describe('SlidingWindow', () => {
  it('gives exact count, min, max and mean, and percentiles, over the window', () => {
    const w = new SlidingWindow(60_000, () => 0);
    for (let i = 1; i <= 100; i++) w.record(i);
    expect(w.stats()).toEqual({
      count: 100,
      min: 1,
      max: 100,
      mean: 50.5,
      median: 50,
      p95: 95,
      p99: 99,
      windowMs: 60_000,
    });
  });

  it('forgets observations older than the window', () => {
    let now = 0;
    const w = new SlidingWindow(60_000, () => now);
    w.record(1000);
    now = 30_000;
    w.record(1);
    expect(w.stats()).toMatchObject({ count: 2, max: 1000 });
    now = 75_000;
    expect(w.stats()).toMatchObject({ count: 1, max: 1, min: 1 });
    now = 200_000;
    expect(w.stats().count).toBe(0);
  });

  it('keeps memory fixed and percentiles close under a million observations', () => {
    let now = 0;
    const w = new SlidingWindow(60_000, () => now);
    for (let i = 0; i < 1_000_000; i++) {
      now = Math.floor(i / 20); // spread over 50 s
      w.record(i % 1000);
    }
    const stats = w.stats();
    expect(stats.count).toBeGreaterThan(900_000);
    expect(stats.min).toBe(0);
    expect(stats.max).toBe(999);
    expect(Math.abs(stats.median - 500)).toBeLessThan(60);
    expect(Math.abs(stats.p95 - 950)).toBeLessThan(30);
  });
});
