import { createReadStream, createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ObsConfigError, reportInternalError } from '@obs/core';
import { FdWriter } from './fd-writer';

export interface RotateOptions {
  /** Rotate when the file would grow past this: bytes, or `'10MB'`, `'512k'`, `'1g'`. */
  maxSize?: number | string;
  /** Rotate at each UTC hour or day boundary. */
  interval?: 'hourly' | 'daily';
  /** Rotated files kept (the newest); older ones are deleted. @default 10 */
  maxFiles?: number;
  /** Rotated files older than this are deleted. @default no age limit */
  maxAgeDays?: number;
  /** gzip rotated files in the background. @default false */
  compress?: boolean;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

export function parseSize(value: number | string): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value > 0) return value;
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (m && unit) return Math.floor(Number(m[1]) * unit);
  }
  throw new ObsConfigError(
    'destination.rotate.maxSize',
    `expected bytes or a size like "10MB", got ${JSON.stringify(value)}`,
  );
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

const PERIOD_MS = { hourly: 3_600_000, daily: 86_400_000 } as const;

/** `app.log` → `app.log.2026-11-22T10-54-21.123Z`: no colons, and names sort in time order. */
function rotatedPath(path: string, time: number): string {
  return `${path}.${new Date(time).toISOString().replace(/:/g, '-')}`;
}

/**
 * A file that rotates by size and/or time. Rotation happens inside `write`, synchronously: the
 * buffer is flushed to the old file, the file renamed, a new one opened. No other record can be
 * logged in between (one JavaScript thread), so no line is lost or written twice. Compression and
 * retention run in the background and report failures without affecting logging.
 */
export class RotatingFile {
  private readonly writer: FdWriter;
  private readonly maxSize: number;
  private readonly periodMs: number;
  private readonly maxFiles: number;
  private readonly maxAgeMs: number;
  private readonly compress: boolean;
  private period: number;
  /** UTF-8 bytes in the current file, written or still buffered. */
  private size: number;
  private housekeeping: Promise<void> = Promise.resolve();
  private scheduled = false;
  private lastRotation = 0;
  private readonly ownName: RegExp;

  constructor(
    private readonly path: string,
    options: RotateOptions,
    now = Date.now(),
  ) {
    const { maxFiles = 10, maxAgeDays, compress = false, interval } = options;
    this.maxSize = options.maxSize === undefined ? Infinity : parseSize(options.maxSize);
    if (interval !== undefined && !(interval in PERIOD_MS)) {
      throw new ObsConfigError('destination.rotate.interval', 'expected "hourly" or "daily"');
    }
    if (!Number.isInteger(maxFiles) || maxFiles < 1) {
      throw new ObsConfigError('destination.rotate.maxFiles', 'expected an integer ≥ 1');
    }
    if (maxAgeDays !== undefined && !(typeof maxAgeDays === 'number' && maxAgeDays > 0)) {
      throw new ObsConfigError('destination.rotate.maxAgeDays', 'expected a number > 0');
    }
    if (this.maxSize === Infinity && interval === undefined) {
      throw new ObsConfigError('destination.rotate', 'give maxSize, interval or both');
    }
    this.periodMs = interval ? PERIOD_MS[interval] : 0;
    this.maxFiles = maxFiles;
    this.maxAgeMs = maxAgeDays === undefined ? Infinity : maxAgeDays * 86_400_000;
    this.compress = compress;
    this.writer = new FdWriter(path, '@obs/logging: rotating file');
    const base = basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.ownName = new RegExp(
      `^${base}\\.\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}Z(\\.gz)?$`,
    );
    const existing = existsSync(path) ? statSync(path) : undefined;
    this.size = existing?.size ?? 0;
    // A file left by an earlier run belongs to the period it was last written in: the first
    // record of a later period rotates it, as it would have had the process kept running.
    this.period = this.periodOf(existing?.size ? existing.mtimeMs : now);
  }

  private periodOf(time: number): number {
    return this.periodMs ? Math.floor(time / this.periodMs) : 0;
  }

  get dropped(): number {
    return this.writer.dropped;
  }

  /** `time`: the record's, so a record lands in the file of the period it was logged in. */
  write(text: string, time: number): void {
    // Counted per record, not per buffer: measuring the whole buffer on each write is quadratic.
    const bytes = Buffer.byteLength(text);
    const period = this.periodOf(time);
    if (this.size > 0 && (period !== this.period || this.size + bytes > this.maxSize)) {
      this.rotate(time);
    }
    this.period = period;
    this.size += bytes;
    this.writer.write(text);
  }

  private rotate(now: number): void {
    try {
      this.writer.flushSync();
      // Retention relies on names sorting in rotation order: two rotations in one millisecond
      // (or a name left by an earlier run) take the next free millisecond.
      let t = Math.max(now, this.lastRotation + 1);
      while (existsSync(rotatedPath(this.path, t)) || existsSync(`${rotatedPath(this.path, t)}.gz`))
        t++;
      renameSync(this.path, rotatedPath(this.path, t));
      this.lastRotation = t;
      this.writer.reopen();
      this.size = 0;
    } catch (err) {
      reportInternalError(err, '@obs/logging: rotating file');
      return;
    }
    // One housekeeping pass at a time; rotations during a pass schedule one more.
    if (!this.scheduled) {
      this.scheduled = true;
      this.housekeeping = this.housekeeping.then(() => {
        this.scheduled = false;
        return this.housekeep();
      });
    }
  }

  /** Deletes rotated files past `maxFiles` or `maxAgeDays`, then gzips the ones kept. */
  private async housekeep(): Promise<void> {
    try {
      const dir = dirname(this.path);
      // Only names rotatedPath() makes: app.log.audit or app.log.bak are not ours to touch.
      const names = (await readdir(dir)).filter((f) => this.ownName.test(f));
      // A file being compressed exists twice (x and x.gz): count it once.
      const rotated = [...new Set(names.map((f) => f.replace(/\.gz$/, '')))].sort();
      const excess = rotated.length - this.maxFiles;
      const now = Date.now();
      for (const [i, name] of rotated.entries()) {
        const plain = join(dir, name);
        const variants = [plain, `${plain}.gz`].filter((f) => names.includes(basename(f)));
        const expired =
          this.maxAgeMs !== Infinity && now - (await stat(variants[0]!)).mtimeMs > this.maxAgeMs;
        if (i < excess || expired) {
          await Promise.all(variants.map((f) => unlink(f).catch(ignoreMissing)));
        } else if (this.compress && variants.includes(plain)) {
          // A .gz beside its source is a compression cut short: redo it.
          await pipeline(createReadStream(plain), createGzip(), createWriteStream(`${plain}.gz`));
          await unlink(plain);
        }
      }
    } catch (err) {
      reportInternalError(err, '@obs/logging: rotating file (compression or retention)');
    }
  }

  flushSync(): void {
    this.writer.flushSync();
  }

  /** Waits for compression and retention started by earlier rotations. */
  async settle(): Promise<void> {
    await this.housekeeping;
  }

  close(): void {
    this.writer.close();
  }
}
