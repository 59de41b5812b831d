import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { reportInternalError } from '@obs/core';

/** Characters buffered before a write (a few dozen records), and the longest a line waits. */
const FLUSH_AT_CHARS = 64 * 1024;
const FLUSH_EVERY_MS = 100;
/** How long a full pipe (EAGAIN) may hold a write before the chunk is dropped and counted. */
const MAX_BLOCK_MS = 1000;
/**
 * After such a drop, how long writes do not wait at all: a reader that stalled once may stay
 * stalled, and the app must not pay a second of blocking per flush meanwhile.
 */
const NO_WAIT_AFTER_DROP_MS = 5000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Lines collected in memory and written to a file descriptor in large synchronous blocks.
 *
 * Synchronous on purpose: with no write ever in flight, `flushSync()` on process exit writes every
 * line logged, which asynchronous writers cannot promise. Blocks of 64 KiB keep the cost to about
 * one system call per few hundred records. (sonic-boom's synchronous mode recomputes the byte
 * length of its whole buffer on every write, which made it ~10× slower here.)
 */
export class FdWriter {
  private buffer = '';
  private fd: number;
  private readonly timer: NodeJS.Timeout;
  /** Lines lost to a destination that refused them (a pipe full for too long, a disk error). */
  dropped = 0;
  /** Until when a full pipe drops at once instead of waiting. */
  private noWaitUntil = 0;
  /** A drop left half a line behind: the next write starts a fresh line. */
  private midLine = false;

  constructor(
    private readonly target: number | string,
    private readonly where: string,
    /** The system call, replaceable in tests. */
    private readonly writeChunk: (fd: number, data: Buffer, offset: number) => number = writeSync,
  ) {
    this.fd = typeof target === 'number' ? target : FdWriter.open(target);
    this.timer = setInterval(() => this.flushSync(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  private static open(path: string): number {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'a');
  }

  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_AT_CHARS) this.flushSync();
  }

  flushSync(): void {
    if (this.buffer === '') return;
    const data = Buffer.from(this.midLine ? `\n${this.buffer}` : this.buffer);
    this.buffer = '';
    let offset = 0;
    let blockedSince = 0;
    while (offset < data.length) {
      try {
        const n = this.writeChunk(this.fd, data, offset);
        offset += n;
        blockedSince = 0;
        this.midLine = false;
        this.noWaitUntil = 0;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const now = Date.now();
        const mayWait =
          now >= this.noWaitUntil && (blockedSince === 0 || now - blockedSince < MAX_BLOCK_MS);
        if (code === 'EAGAIN' && mayWait) {
          blockedSince ||= now;
          Atomics.wait(sleeper, 0, 0, 1);
          continue;
        }
        if (code === 'EAGAIN') this.noWaitUntil = now + NO_WAIT_AFTER_DROP_MS;
        this.midLine = offset > 0 && data[offset - 1] !== 10;
        this.dropped += countLines(data, offset);
        reportInternalError(err, this.where);
        return;
      }
    }
  }

  /**
   * Flushes, closes and opens the path anew: after a rotation renamed the file, writing goes on
   * in a new one. Flushing first keeps every line on the side of the rotation it was logged on.
   */
  reopen(): void {
    if (typeof this.target === 'number') return;
    this.flushSync();
    closeSync(this.fd);
    this.fd = FdWriter.open(this.target);
  }

  close(): void {
    clearInterval(this.timer);
    this.flushSync();
    if (typeof this.target === 'string') closeSync(this.fd);
  }
}

function countLines(data: Buffer, from: number): number {
  let n = 0;
  for (let i = data.indexOf(10, from); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}
