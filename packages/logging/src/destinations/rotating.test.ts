import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../index';
import { fileDestination } from './stream';
import { parseSize, RotatingFile } from './rotating';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-rot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function files(): string[] {
  return readdirSync(dir).sort();
}

/** Every line, oldest file first: the rotated files by name, then the current one. */
function allLines(): string[] {
  const names = files();
  const ordered = [
    ...names.filter((f) => /\.log\./.test(f)),
    ...names.filter((f) => f.endsWith('.log')),
  ];
  return ordered.flatMap((f) => {
    const raw = readFileSync(join(dir, f));
    return (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split('\n').filter(Boolean);
  });
}

describe('rotating file destination', () => {
  it('keeps every line exactly once across rotations under concurrent logging', async () => {
    const path = join(dir, 'app.log');
    const logger = createLogger({
      destination: fileDestination({ path, rotate: { maxSize: 64 * 1024, maxFiles: 1000 } }),
    });
    const tasks = 8;
    const perTask = 2500;
    await Promise.all(
      Array.from({ length: tasks }, async (_, t) => {
        for (let i = 0; i < perTask; i++) {
          logger.info('work', { task: t, i });
          if (i % 100 === 0) await sleep(0);
        }
      }),
    );
    await logger.close();
    const rotated = files().filter((f) => f !== 'app.log');
    expect(rotated.length).toBeGreaterThan(10);
    for (const f of rotated) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(64 * 1024);
    const seen = allLines().map((l) => {
      const r = JSON.parse(l) as { task: number; i: number };
      return `${r.task}:${r.i}`;
    });
    expect(seen).toHaveLength(tasks * perTask);
    expect(new Set(seen).size).toBe(tasks * perTask);
  });

  it('gzips rotated files and keeps only the newest maxFiles', async () => {
    const path = join(dir, 'app.log');
    const logger = createLogger({
      destination: fileDestination({
        path,
        rotate: { maxSize: '8k', maxFiles: 3, compress: true },
      }),
    });
    for (let i = 0; i < 3000; i++) logger.info('line', { i, pad: 'x'.repeat(50) });
    await logger.close();
    const rotated = files().filter((f) => f !== 'app.log');
    expect(rotated).toHaveLength(3);
    expect(rotated.every((f) => f.endsWith('.gz'))).toBe(true);
    // the three kept are the newest: their records come right before the current file's
    const kept = allLines().map((l) => (JSON.parse(l) as { i: number }).i);
    expect(kept.at(-1)).toBe(2999);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
    expect(new Set(kept).size).toBe(kept.length);
  });

  it('never touches other files that share the name’s prefix', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(join(dir, 'app.log.audit'), 'audit trail\n');
    writeFileSync(join(dir, 'app.log.bak'), 'backup\n');
    const logger = createLogger({
      destination: fileDestination({
        path,
        rotate: { maxSize: 2000, maxFiles: 2, compress: true },
      }),
    });
    for (let i = 0; i < 200; i++) logger.info('line', { i });
    await logger.close();
    expect(readFileSync(join(dir, 'app.log.audit'), 'utf8')).toBe('audit trail\n');
    expect(readFileSync(join(dir, 'app.log.bak'), 'utf8')).toBe('backup\n');
    expect(files().filter((f) => f.endsWith('.gz'))).toHaveLength(2);
  });

  it('rotates at UTC day boundaries, by the record’s own time', () => {
    const path = join(dir, 'daily.log');
    const day = 86_400_000;
    const t0 = Date.UTC(2026, 10, 22, 23, 59);
    const file = new RotatingFile(path, { interval: 'daily' }, t0);
    file.write('{"a":1}\n', t0);
    file.write('{"a":2}\n', t0 + 30_000);
    file.write('{"a":3}\n', t0 + day);
    file.close();
    expect(files()).toHaveLength(2);
    expect(readFileSync(path, 'utf8')).toBe('{"a":3}\n');
  });

  it('limits the size in UTF-8 bytes, not characters', () => {
    const path = join(dir, 'cjk.log');
    const file = new RotatingFile(path, { maxSize: '1k', maxFiles: 100 });
    // 3 bytes per character: a line of 101 characters takes 301 bytes
    const line = `${'日志'.repeat(50)}\n`;
    for (let i = 0; i < 20; i++) file.write(line, 0);
    file.close();
    const sizes = files().map((f) => statSync(join(dir, f)).size);
    expect(sizes.every((size) => size <= 1024)).toBe(true);
    expect(sizes.reduce((a, b) => a + b)).toBe(20 * Buffer.byteLength(line));
  });

  it('counts the bytes a file already holds when it is reopened', () => {
    const path = join(dir, 'reopened.log');
    writeFileSync(path, `${'é'.repeat(400)}\n`); // 401 characters, 801 bytes
    const file = new RotatingFile(path, { maxSize: 1000 });
    file.write(`${'x'.repeat(300)}\n`, 0);
    file.close();
    expect(files()).toHaveLength(2);
    expect(readFileSync(path, 'utf8')).toBe(`${'x'.repeat(300)}\n`);
  });

  it('after a restart, rotates a file of an earlier day before writing today’s lines', () => {
    const path = join(dir, 'daily.log');
    const day = 86_400_000;
    const yesterday = Date.UTC(2026, 10, 22, 18, 0);
    const today = yesterday + day;
    const first = new RotatingFile(path, { interval: 'daily' }, yesterday);
    first.write('{"day":1}\n', yesterday);
    first.close();
    utimesSync(path, yesterday / 1000, yesterday / 1000);

    const second = new RotatingFile(path, { interval: 'daily' }, today);
    second.write('{"day":2}\n', today);
    second.close();
    const rotated = files().filter((f) => f !== 'daily.log');
    expect(rotated).toHaveLength(1);
    expect(readFileSync(join(dir, rotated[0]!), 'utf8')).toBe('{"day":1}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"day":2}\n');
  });

  it('after a restart in the same period, appends to the current file', () => {
    const path = join(dir, 'hourly.log');
    const t0 = Date.UTC(2026, 10, 22, 18, 5);
    const first = new RotatingFile(path, { interval: 'hourly' }, t0);
    first.write('{"n":1}\n', t0);
    first.close();
    utimesSync(path, t0 / 1000, t0 / 1000);

    const second = new RotatingFile(path, { interval: 'hourly' }, t0 + 60_000);
    second.write('{"n":2}\n', t0 + 60_000);
    second.close();
    expect(files()).toEqual(['hourly.log']);
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it('deletes rotated files older than maxAgeDays', async () => {
    const path = join(dir, 'aged.log');
    const file = new RotatingFile(path, { maxSize: 10, maxAgeDays: 1 });
    file.write('first line\n', Date.now());
    file.write('second line\n', Date.now());
    await file.settle();
    const [old] = files().filter((f) => f !== 'aged.log');
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(join(dir, old!), twoDaysAgo, twoDaysAgo);
    file.write('third line\n', Date.now());
    await file.settle();
    file.close();
    expect(existsSync(join(dir, old!))).toBe(false);
    expect(files()).toHaveLength(2); // the current file and the newest rotated one
  });

  it('parses sizes and rejects bad rotation options', () => {
    expect(parseSize('10MB')).toBe(10 * 1024 * 1024);
    expect(parseSize('512k')).toBe(512 * 1024);
    expect(parseSize(1000)).toBe(1000);
    expect(() => parseSize('lots')).toThrow(
      expect.objectContaining({ option: 'destination.rotate.maxSize' }),
    );
    expect(() => new RotatingFile(join(dir, 'x.log'), {})).toThrow(
      expect.objectContaining({ option: 'destination.rotate' }),
    );
    expect(() => new RotatingFile(join(dir, 'x.log'), { maxSize: 10, maxFiles: 0 })).toThrow(
      expect.objectContaining({ option: 'destination.rotate.maxFiles' }),
    );
  });
});
