/** count/min/max/mean and percentiles of recent observations (seed 002's get_metrics_summary). */
export interface WindowStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  p95: number;
  p99: number;
  /** The span of time these cover, in ms. */
  windowMs: number;
}

/**
 * A clock good to ~25 ms that costs a variable read: Date.now() costs ~50 ns here, paid on every
 * observation otherwise. Started on first use; its timer never holds the process open.
 */
let coarse = 0;
let ticking: NodeJS.Timeout | undefined;
function coarseNow(): number {
  if (!ticking) {
    coarse = Date.now();
    ticking = setInterval(() => (coarse = Date.now()), 25);
    ticking.unref();
  }
  return coarse;
}

const SLOTS = 6;
/** Samples kept per slot; past this, reservoir sampling keeps a uniform subset. Bounded memory. */
const SAMPLES_PER_SLOT = 512;

interface Slot {
  start: number;
  count: number;
  min: number;
  max: number;
  sum: number;
  samples: Float64Array;
  kept: number;
}

/** The value below which a share `q` of the weight lies, samples sorted by value. */
function quantile(sorted: readonly [number, number][], total: number, q: number): number {
  const target = q * total;
  let seen = 0;
  for (const [value, weight] of sorted) {
    seen += weight;
    if (seen >= target) return value;
  }
  return sorted.at(-1)![0];
}

/**
 * Observations of the last `windowMs`, in six rotating slots: count, min, max and mean are exact;
 * percentiles come from at most 512 samples a slot (a uniform sample past that), so memory stays
 * fixed however many observations arrive.
 */
export class SlidingWindow {
  private readonly slots: Slot[];
  private readonly slotMs: number;

  constructor(
    readonly windowMs: number,
    private readonly now: () => number = coarseNow,
  ) {
    this.slotMs = Math.max(1, Math.ceil(windowMs / SLOTS));
    this.slots = Array.from({ length: SLOTS }, () => ({
      start: -Infinity,
      count: 0,
      min: Infinity,
      max: -Infinity,
      sum: 0,
      samples: new Float64Array(SAMPLES_PER_SLOT),
      kept: 0,
    }));
  }

  private slotFor(time: number): Slot {
    const start = Math.floor(time / this.slotMs) * this.slotMs;
    const slot = this.slots[Math.floor(start / this.slotMs) % SLOTS]!;
    if (slot.start !== start) {
      slot.start = start;
      slot.count = 0;
      slot.min = Infinity;
      slot.max = -Infinity;
      slot.sum = 0;
      slot.kept = 0;
    }
    return slot;
  }

  record(value: number): void {
    const slot = this.slotFor(this.now());
    slot.count++;
    slot.sum += value;
    if (value < slot.min) slot.min = value;
    if (value > slot.max) slot.max = value;
    if (slot.kept < SAMPLES_PER_SLOT) {
      slot.samples[slot.kept++] = value;
    } else {
      const j = Math.floor(Math.random() * slot.count);
      if (j < SAMPLES_PER_SLOT) slot.samples[j] = value;
    }
  }

  stats(): WindowStats {
    const now = this.now();
    const live = this.slots.filter(
      (s) => s.start > now - this.windowMs - this.slotMs && s.start <= now && s.count > 0,
    );
    const count = live.reduce((n, s) => n + s.count, 0);
    if (count === 0)
      return {
        count: 0,
        min: NaN,
        max: NaN,
        mean: NaN,
        median: NaN,
        p95: NaN,
        p99: NaN,
        windowMs: this.windowMs,
      };
    // Each kept sample stands for count/kept observations of its slot.
    const weighted: [number, number][] = [];
    for (const s of live) {
      const weight = s.count / s.kept;
      for (let i = 0; i < s.kept; i++) weighted.push([s.samples[i]!, weight]);
    }
    weighted.sort((a, b) => a[0] - b[0]);
    return {
      count,
      min: Math.min(...live.map((s) => s.min)),
      max: Math.max(...live.map((s) => s.max)),
      mean: live.reduce((n, s) => n + s.sum, 0) / count,
      median: quantile(weighted, count, 0.5),
      p95: quantile(weighted, count, 0.95),
      p99: quantile(weighted, count, 0.99),
      windowMs: this.windowMs,
    };
  }
}
