import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runWithContext } from '@obs/core';
import { createLogger } from '../index';
import { fileDestination } from './stream';

/** A child Node with tsx writing thousands of lines: slow on a busy machine; only a hang guard. */
const CHILD_LIMIT_MS = 120_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean);
}

function runChild(
  path: string,
  count: number,
  how: string,
  stdout: string[] = [],
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@obs/source',
        join(__dirname, 'exit-child.fixture.ts'),
        path,
        String(count),
        how,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk.toString());
      if (chunk.toString().includes('ready')) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('file destination', () => {
  it('buffers lines and writes them all on flush, one JSON record per line', async () => {
    const path = join(dir, 'nested', 'app.log');
    const logger = createLogger({ destination: path });
    for (let i = 0; i < 100; i++) logger.info('line', { i });
    await logger.flush();
    const written = lines(path);
    expect(written).toHaveLength(100);
    expect(written.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([...Array(100).keys()]);
    await logger.close();
  });

  it('writes what is left when closed, and nothing after', async () => {
    const path = join(dir, 'app.log');
    const logger = createLogger({ destination: fileDestination({ path }) });
    logger.warn('before close');
    await logger.close();
    logger.warn('after close');
    expect(lines(path).map((l) => (JSON.parse(l) as { message: string }).message)).toEqual([
      'before close',
    ]);
  });

  it('writes pretty lines: one per record, with the request id, whatever the message holds', async () => {
    const path = join(dir, 'pretty.log');
    const logger = createLogger({
      destination: fileDestination({ path, format: 'pretty', colors: false }),
    });
    runWithContext({ requestId: 'req-7' }, () =>
      logger.warn('two\nlines\u001b[31m', { n: 1, s: 'a b' }),
    );
    await logger.close();
    const written = lines(path);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(
      /^\d{2}:\d{2}:\d{2}\.\d{3} WARN {2}\[app\] two\\nlines\\u001b\[31m {2}request_id=req-7 n=1 s="a b"$/,
    );
  });
});

describe('the default destination', () => {
  it(
    'is stdout, JSON when not a terminal, complete even through process.exit()',
    async () => {
      const out: string[] = [];
      expect(await runChild('stdout', 5000, 'exit', out)).toBe(0);
      const written = out.join('').split('\n').filter(Boolean);
      expect(written).toHaveLength(5000);
      expect(JSON.parse(written[4999]!)).toMatchObject({
        seq: 4999,
        service: 'exit-test',
        level: 'info',
      });
    },
    CHILD_LIMIT_MS,
  );
});

describe('exit safety: N records logged, N records on disk', () => {
  const N = 20_000;
  it.each([
    ['process.exit(0)', 'exit', 0],
    ['SIGTERM handled by the app', 'sigterm', 0],
    ['an uncaught exception', 'throw', 1],
    ['the event loop running dry', 'natural', 0],
  ])(
    'after %s',
    async (_label, how, expectedCode) => {
      const path = join(dir, `${how}.log`);
      const code = await runChild(path, N, how);
      expect(code).toBe(expectedCode);
      const written = lines(path);
      expect(written).toHaveLength(N);
      written.forEach((line, i) => {
        expect((JSON.parse(line) as { seq: number }).seq).toBe(i);
      });
    },
    CHILD_LIMIT_MS,
  );
});
