// Seed 000's background aggregation: every minute (and on demand) the daily rollups of the days
// that received events since their last rebuild are recomputed and the active-user gauges refreshed. Each run is its own
// unit of work: a job id in the context, a span, a log line and a count by outcome.
import { randomUUID } from 'node:crypto';
import { runWithContext } from '@obs/core';
import type { Logger } from '@obs/logging';
import { withSpan } from '@obs/tracing';
import type { Repository } from '../db/repository';

export interface RollupResult {
  job_id: string;
  trigger: 'schedule' | 'manual';
  days: number;
  rows: number;
  workspaces: number;
  duration_ms: number;
}

export interface RollupMetrics {
  jobs: { inc(labels: { job_type: string; status: string }): void };
  activeUsers: { set(labels: { workspace_id: string }, value: number): void };
}

/** The active-user gauge counts distinct users with an event in this window. */
export const ACTIVE_USERS_WINDOW_MS = 60 * 60 * 1000;

export class RollupJob {
  private running: Promise<RollupResult> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly reported = new Set<string>();

  constructor(
    private readonly repo: Repository,
    private readonly metrics: RollupMetrics,
    private readonly logger: Logger,
  ) {}

  /** One run; a run already in progress is shared rather than doubled. */
  run(trigger: RollupResult['trigger']): Promise<RollupResult> {
    this.running ??= this.execute(trigger).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      // Failures are logged and counted inside; nothing to do with the promise here.
      this.run('schedule').catch(() => undefined);
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Waits for a run in progress (shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private execute(trigger: RollupResult['trigger']): Promise<RollupResult> {
    const jobId = randomUUID();
    // A scheduled run is its own unit of work; a manual one belongs to the request that asked.
    const scope = <T>(fn: () => T): T =>
      trigger === 'schedule'
        ? runWithContext({ requestId: jobId, attributes: { job: 'rollup' } }, fn)
        : fn();
    return scope(() =>
      withSpan(
        'job rollup',
        async (span) => {
          const started = performance.now();
          const startedAt = Date.now();
          try {
            const { days, rows } = await this.repo.rollup(startedAt);
            const active = await this.repo.activeUsersByWorkspace(
              startedAt - ACTIVE_USERS_WINDOW_MS,
            );
            // Workspaces that had users and now have none go back to 0 rather than keep a stale value.
            for (const workspace of this.reported)
              if (!active.has(workspace))
                this.metrics.activeUsers.set({ workspace_id: workspace }, 0);
            for (const [workspace, users] of active) {
              this.metrics.activeUsers.set({ workspace_id: workspace }, users);
              this.reported.add(workspace);
            }
            const result: RollupResult = {
              job_id: jobId,
              trigger,
              days,
              rows,
              workspaces: active.size,
              duration_ms: Math.round((performance.now() - started) * 10) / 10,
            };
            span.setAttributes({ 'job.days': days, 'job.rows': rows });
            this.metrics.jobs.inc({ job_type: 'rollup', status: 'success' });
            this.logger.info('rollup job completed', { ...result });
            return result;
          } catch (err) {
            this.metrics.jobs.inc({ job_type: 'rollup', status: 'failure' });
            this.logger.error('rollup job failed', { error: err, trigger });
            throw err;
          }
        },
        { attributes: { 'job.type': 'rollup', 'job.trigger': trigger } },
      ),
    );
  }
}
