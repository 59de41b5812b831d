import { ObsConfigError, reportInternalError } from '@obs/core';
import type { LogDestination, LogEntry } from '../destinations/destination';

/** Batching, queueing and retry settings shared by every shipping destination. */
export interface ShipperOptions {
  /** Extra request headers (authorization, tenant). */
  headers?: Record<string, string>;
  /** Records per request. @default 500 */
  batchSize?: number;
  /** Longest a record waits before its batch is sent. @default 1000 */
  flushIntervalMs?: number;
  /** Records held while the receiver is slow or down; beyond, new records are dropped and counted. @default 10_000 */
  maxQueue?: number;
  /** Attempts after the first, for network errors, timeouts, 429 and 5xx. @default 5 */
  maxRetries?: number;
  /** First retry delay; doubles each attempt, with jitter, up to 30 s (or the server's Retry-After). @default 500 */
  retryBaseMs?: number;
  /** Per-request timeout. @default 10_000 */
  timeoutMs?: number;
  /**
   * The longest `flush()`/`close()` wait; after it, what is still queued stays queued (flush) or
   * is dropped and counted (close). Keep it inside your shutdown grace period. @default 10_000
   */
  flushTimeoutMs?: number;
}

export interface ShipperStats {
  /** Records the receiver accepted. */
  sent: number;
  /** Records given up on: queue full, rejected (4xx), or out of retries. */
  dropped: number;
  /** Requests that were retried. */
  retries: number;
  /** Records waiting. */
  queued: number;
}

export interface ShippingDestination extends LogDestination {
  stats(): ShipperStats;
}

/** One HTTP request for a batch. */
export interface ShipperRequest {
  url: string;
  body: string;
  contentType: string;
}

const MAX_RETRY_DELAY_MS = 30_000;

function positiveInt(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new ObsConfigError(option, 'expected an integer ≥ 0');
  return value;
}

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Ships records over HTTP in the background: batches by size and interval, a bounded queue, one
 * request in flight, retries with exponential backoff and jitter. `write` never blocks and never
 * throws; what cannot be delivered is counted and reported once per cause through core's
 * internal-error handler. Call `flush()` (or the logger's) during shutdown: HTTP cannot be sent
 * from a process `exit` handler.
 */
export abstract class Shipper implements ShippingDestination {
  private queue: LogEntry[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** While flushing, the send loop also sends partial batches. */
  private flushing = false;
  private flushRun: Promise<void> | undefined;
  /** The batch being delivered, for close() to count when it gives up on it. */
  private current: LogEntry[] | undefined;
  private abandoned = false;
  /** Aborts the request in flight when close() gives up. */
  private readonly stop = new AbortController();
  private counts = { sent: 0, dropped: 0, retries: 0 };
  protected readonly headers: Record<string, string>;
  private readonly batchSize: number;
  private readonly maxQueue: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly timeoutMs: number;
  private readonly flushTimeoutMs: number;
  /** While someone awaits flush() or close(): when they stop waiting. */
  private deadline = Infinity;

  constructor(
    protected readonly where: string,
    options: ShipperOptions,
  ) {
    this.headers = { ...options.headers };
    this.batchSize = Math.max(1, positiveInt('destination.batchSize', options.batchSize, 500));
    this.maxQueue = Math.max(1, positiveInt('destination.maxQueue', options.maxQueue, 10_000));
    this.maxRetries = positiveInt('destination.maxRetries', options.maxRetries, 5);
    this.retryBaseMs = positiveInt('destination.retryBaseMs', options.retryBaseMs, 500);
    this.timeoutMs = Math.max(1, positiveInt('destination.timeoutMs', options.timeoutMs, 10_000));
    this.flushTimeoutMs = positiveInt('destination.flushTimeoutMs', options.flushTimeoutMs, 10_000);
    const interval = Math.max(
      1,
      positiveInt('destination.flushIntervalMs', options.flushIntervalMs, 1000),
    );
    this.timer = setInterval(() => this.pump(), interval);
    this.timer.unref();
  }

  /** The HTTP request for one batch. */
  protected abstract request(batch: readonly LogEntry[]): ShipperRequest;

  /**
   * After a 2xx answer: the records of the batch to try again (bulk APIs answer 200 with
   * per-record failures), and how many to count as dropped.
   */
  protected partialFailures(
    _batch: readonly LogEntry[],
    _body: string,
  ): { retry: LogEntry[]; dropped: number } {
    return { retry: [], dropped: 0 };
  }

  /** The response body is only read when a subclass needs it. */
  protected readsBody = false;

  write(entry: LogEntry): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueue) {
      this.drop(1, new Error(`queue full (${this.maxQueue} records): receiver slow or down`));
      return;
    }
    this.queue.push(entry);
    if (this.queue.length >= this.batchSize) this.pump();
  }

  stats(): ShipperStats {
    return { ...this.counts, queued: this.queue.length };
  }

  private drop(n: number, cause: unknown): void {
    this.counts.dropped += n;
    reportInternalError(cause, this.where);
  }

  /** Starts sending if nothing is in flight; the send loop drains full batches back to back. */
  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = this.drain().finally(() => {
      this.inFlight = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      if (Date.now() >= this.deadline) return;
      const batch = this.queue.splice(0, this.batchSize);
      await this.deliver(batch);
      if (this.queue.length < this.batchSize && !this.flushing) return;
    }
  }

  private async deliver(batch: LogEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      this.current = pending;
      try {
        pending = await this.send(pending);
        if (pending.length > 0) throw new RetryableError('receiver refused part of the batch');
      } catch (err) {
        // close() gave up on this batch and has counted it already.
        if (this.abandoned) return;
        if (!(err instanceof RetryableError) || attempt >= this.maxRetries) {
          const reason =
            err instanceof RetryableError
              ? new Error(`giving up after ${attempt + 1} attempts: ${err.message}`)
              : err;
          this.drop(pending.length, reason);
          return;
        }
        const backoff = Math.min(MAX_RETRY_DELAY_MS, this.retryBaseMs * 2 ** attempt);
        const delay = Math.min(
          err.retryAfterMs ?? backoff * (0.5 + Math.random() / 2),
          MAX_RETRY_DELAY_MS,
        );
        if (Date.now() + delay > this.deadline) {
          this.drop(
            pending.length,
            new Error(`no time left to retry before the flush deadline: ${err.message}`),
          );
          return;
        }
        this.counts.retries++;
        // Unreferenced: a retry never holds the process open by itself. A flush() that waits on
        // it holds the process with its own timer until its deadline.
        await new Promise<void>((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  /** Sends once; resolves with the records to try again, rejects with RetryableError or a fatal error. */
  private async send(batch: readonly LogEntry[]): Promise<LogEntry[]> {
    const { url, body, contentType } = this.request(batch);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': contentType },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stop.signal]),
      });
    } catch (err) {
      throw new RetryableError(`request failed: ${(err as Error).message}`);
    }
    if (this.abandoned) {
      // close() counted this batch as dropped already; whatever the answer, leave it so.
      await res.body?.cancel();
      return [];
    }
    if (res.ok) {
      const { retry, dropped } = this.readsBody
        ? this.partialFailures(batch, await res.text())
        : (await res.body?.cancel(), { retry: [], dropped: 0 });
      if (dropped > 0) this.drop(dropped, new Error(`receiver rejected ${dropped} record(s)`));
      this.counts.sent += batch.length - retry.length - dropped;
      return retry;
    }
    await res.body?.cancel();
    if (res.status === 429 || res.status >= 500) {
      throw new RetryableError(`HTTP ${res.status}`, retryAfter(res.headers.get('retry-after')));
    }
    throw new Error(`HTTP ${res.status}: the receiver rejected the batch`);
  }

  /**
   * Sends what is queued, waiting for retries in progress, for at most `flushTimeoutMs`. Records
   * still queued at the deadline stay queued for the background loop.
   */
  flush(): Promise<void> {
    // Concurrent callers share one flush.
    this.flushRun ??= this.runFlush().finally(() => {
      this.flushRun = undefined;
    });
    return this.flushRun;
  }

  private async runFlush(): Promise<void> {
    this.flushing = true;
    this.deadline = Date.now() + this.flushTimeoutMs;
    try {
      while ((this.queue.length > 0 || this.inFlight) && Date.now() < this.deadline) {
        this.pump();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.inFlight,
          new Promise((resolve) => (timer = setTimeout(resolve, this.deadline - Date.now()))),
        ]);
        clearTimeout(timer);
      }
    } finally {
      this.flushing = false;
      this.deadline = Infinity;
    }
  }

  /** Flushes (within `flushTimeoutMs`), then drops and counts whatever could not be sent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    if (this.inFlight && this.current) {
      // The deadline passed mid-delivery: count the batch now and cut its request short.
      this.abandoned = true;
      this.drop(this.current.length, new Error('closed while a batch was still being delivered'));
      this.stop.abort();
    }
    if (this.queue.length > 0) {
      this.drop(this.queue.length, new Error('closed with records still queued'));
      this.queue = [];
    }
  }
}
