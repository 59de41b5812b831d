import { contextFields, getContext } from '@obs/core';
import type { LevelName } from './levels';

/** Keep probabilities for the chatty levels; warn and above are never sampled. */
export type SamplingOptions = Partial<Record<'trace' | 'debug' | 'info', number>>;

/**
 * At most `limit` records per value of `key` per `windowMs` (seed 000's Fluentd throttle), e.g.
 * `{ key: 'workspace_id', limit: 10, levels: ['error'] }`. The value is read from the call's
 * fields, then the logger's bindings, then the request context.
 */
export interface ThrottleRule {
  key: string;
  limit: number;
  /** @default 60_000 */
  windowMs?: number;
  /** @default every level */
  levels?: LevelName[];
}

/** What was held back for one key value in one window, reported in one record. */
export interface Suppressed {
  key: string;
  value: string;
  suppressed: number;
  windowMs: number;
}

interface Window {
  started: number;
  count: number;
  suppressed: number;
}

/** Distinct values tracked per rule; beyond this, new values share one bucket. */
const MAX_VALUES = 10_000;
const OVERFLOW = '__overflow__';

class Throttle {
  private readonly windows = new Map<string, Window>();
  private readonly levels: ReadonlySet<LevelName> | undefined;
  readonly windowMs: number;

  constructor(
    readonly rule: ThrottleRule,
    private readonly report: (s: Suppressed) => void,
  ) {
    this.windowMs = rule.windowMs ?? 60_000;
    this.levels = rule.levels ? new Set(rule.levels) : undefined;
  }

  applies(level: LevelName): boolean {
    return !this.levels || this.levels.has(level);
  }

  /** The current window for `value`, starting a new one when the last has ended. */
  window(value: string, now: number): Window {
    let w = this.windows.get(value);
    if (w && now - w.started >= this.windowMs) {
      this.close(value, w);
      w = undefined;
    }
    if (!w) {
      if (this.windows.size >= MAX_VALUES && value !== OVERFLOW) return this.window(OVERFLOW, now);
      w = { started: now, count: 0, suppressed: 0 };
      this.windows.set(value, w);
    }
    return w;
  }

  /** Ends every window older than its length (or all, when closing), reporting what each held back. */
  sweep(now: number, all = false): void {
    for (const [value, w] of this.windows) {
      if (all || now - w.started >= this.windowMs) this.close(value, w);
    }
  }

  private close(value: string, w: Window): void {
    this.windows.delete(value);
    if (w.suppressed > 0) {
      this.report({ key: this.rule.key, value, suppressed: w.suppressed, windowMs: this.windowMs });
    }
  }
}

/**
 * FNV-1a with murmur3's finalizer, mapped to [0, 1): the same request id always gets the same
 * sampling decision, and sequential ids (`req-1`, `req-2`, …) still spread evenly.
 */
function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/**
 * Decides, before a record is formatted, whether it is written: sampling for trace/debug/info
 * (per request, so a sampled request keeps all its lines), then throttle rules.
 */
export class Gate {
  sampledOut = 0;
  throttled = 0;
  private readonly throttles: Throttle[];
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sampling: SamplingOptions,
    rules: readonly ThrottleRule[],
    report: (s: Suppressed) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.throttles = rules.map((rule) => new Throttle(rule, report));
    if (this.throttles.length > 0) {
      const every = Math.min(...this.throttles.map((t) => t.windowMs));
      this.timer = setInterval(() => this.sweep(), every);
      this.timer.unref();
    }
  }

  allow(
    level: LevelName,
    fields: Readonly<Record<string, unknown>> | undefined,
    bindings: Readonly<Record<string, unknown>>,
  ): boolean {
    const rate =
      level === 'trace' || level === 'debug' || level === 'info' ? this.sampling[level] : undefined;
    if (rate !== undefined && rate < 1) {
      const requestId = getContext()?.requestId;
      const draw = requestId === undefined ? Math.random() : unitHash(requestId);
      if (draw >= rate) {
        this.sampledOut++;
        return false;
      }
    }
    if (this.throttles.length === 0) return true;
    const now = this.now();
    let ctx: Record<string, unknown> | undefined;
    const windows: Window[] = [];
    for (const t of this.throttles) {
      if (!t.applies(level)) continue;
      const { key } = t.rule;
      let value = fields?.[key] ?? bindings[key];
      if (value === undefined) value = (ctx ??= contextFields() as Record<string, unknown>)[key];
      // Keys are ids: strings or numbers. Anything else does not name a bucket.
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const w = t.window(String(value), now);
      if (w.count >= t.rule.limit) {
        // Held back by this rule: the other rules' budgets are not spent on it.
        w.suppressed++;
        this.throttled++;
        return false;
      }
      windows.push(w);
    }
    for (const w of windows) w.count++;
    return true;
  }

  sweep(all = false): void {
    const now = this.now();
    for (const t of this.throttles) t.sweep(now, all);
  }

  /** Stops the timer and reports every window still holding suppressed records. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.sweep(true);
  }
}
