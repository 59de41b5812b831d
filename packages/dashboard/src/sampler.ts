// Samples the service's metrics every `intervalMs` into the history and extends the panels'
// columns at once, so a page refresh only serializes what a tick computed. The timer is unref()ed
// (it never keeps the process alive) and stops with close(). A failing collect() (or one taking
// over an interval) is reported through core's internal-error handler and skipped: the data
// already held stays.
import { reportInternalError } from '@obs/core';
import type { DashboardDefinition } from './definition';
import { Evaluator } from './evaluate';
import { MetricHistory } from './history';
import { PanelSet, RouteTable } from './panels';
import type { MetricSource } from './sources';

export interface SamplerOptions {
  metrics: MetricSource;
  intervalMs: number;
  historyMs: number;
  /** Definitions to keep panels for, by name (`overview`, `business`). */
  definitions: Readonly<Record<string, DashboardDefinition>>;
  /** Keep the per-route table (over `http_requests_total` / `http_request_duration_seconds`). */
  routes?: boolean;
  /** Range of `rate` and `quantile` in the panels. @default 10000 */
  windowMs?: number;
  /** Clock (epoch ms). @default Date.now */
  now?: () => number;
}

/** How long an explicit `sampleAfter()` waits for collect(). */
const EXPLICIT_TIMEOUT_MS = 30_000;

export class Sampler {
  readonly history: MetricHistory;
  readonly evaluator: Evaluator;
  readonly panels = new Map<string, PanelSet>();
  readonly routes: RouteTable | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: SamplerOptions) {
    this.history = new MetricHistory(options.intervalMs, options.historyMs);
    this.evaluator = new Evaluator(this.history, options.intervalMs);
    this.now = options.now ?? Date.now;
    for (const [name, definition] of Object.entries(options.definitions))
      this.panels.set(
        name,
        new PanelSet(definition, this.history, this.evaluator, options.windowMs ?? 10_000),
      );
    this.routes = options.routes ? new RouteTable(this.evaluator) : undefined;
  }

  /** Starts sampling every `intervalMs` (one sample now). Idempotent. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops the timer; the data held stays readable. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Takes one sample now; while one is in progress, waits for it instead. Never rejects. A
   * collect() that takes over `timeoutMs` counts as failed (reported, skipped).
   */
  tick(timeoutMs = this.options.intervalMs): Promise<void> {
    this.running ??= this.sample(timeoutMs).finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Takes a sample that starts after this call, so everything recorded before it is in: one in
   * progress (its collect() may predate the caller's last request) is waited for first. A caller
   * who asked for the data waits longer for a slow collect() than the timer does (a busy machine
   * answers slowly, not wrongly): up to `EXPLICIT_TIMEOUT_MS`.
   */
  async sampleAfter(): Promise<void> {
    await this.running;
    await this.tick(Math.max(this.options.intervalMs, EXPLICIT_TIMEOUT_MS));
  }

  private async sample(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // A collect() that never answers must not stop sampling for good: it counts as failed
      // after the timeout (an interval, for the timer's ticks), and the next tick asks again.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`metrics.collect() took over ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      // Stamped when asked, as Prometheus stamps a scrape: the values are the registry's then.
      const at = this.now();
      const samples = await Promise.race([this.options.metrics.collect(), timeout]);
      this.history.ingest(at, samples);
      for (const panels of this.panels.values()) panels.update();
      this.routes?.update();
    } catch (err) {
      reportInternalError(err, '@obs/dashboard: sampling metrics');
    } finally {
      clearTimeout(timer);
    }
  }
}
