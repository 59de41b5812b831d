// Lines per second for the same record, 500k records, to a file and to /dev/null:
// @obs/logging (context injection and default redaction on) vs pino vs winston format.json()
// vs a JSON.stringify + buffered write baseline. Target (issue 3): ≥ 1.0× pino to a file.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import winston from 'winston';
import { runWithContext } from '@obs/core';
import { createLogger } from '../src/index';
import { context, fields, ids } from './record';

const N = Number(process.env.BENCH_RECORDS ?? 500_000);
const WARMUP = 50_000;
const dir = mkdtempSync(join(tmpdir(), 'obs-log-bench-'));

type Run = (dest: string, n: number) => Promise<void> | void;

const contenders: Record<string, Run> = {
  '@obs/logging': async (dest, n) => {
    const logger = createLogger({ destination: dest, format: 'json', service: { name: 'bench' } });
    runWithContext(context, () => {
      for (let i = 0; i < n; i++) logger.info('request completed', fields);
    });
    await logger.close();
  },
  pino: async (dest, n) => {
    const stream = pino.destination({ dest, sync: false, minLength: 0 });
    const logger = pino({ base: { service: 'bench' } }, stream).child(ids);
    for (let i = 0; i < n; i++) logger.info(fields, 'request completed');
    await new Promise<void>((resolve) => stream.flush(() => resolve()));
    stream.end();
  },
  'pino (buffered 8 KiB)': (dest, n) => {
    const stream = pino.destination({ dest, sync: true, minLength: 8192 });
    const logger = pino({ base: { service: 'bench' } }, stream).child(ids);
    for (let i = 0; i < n; i++) logger.info(fields, 'request completed');
    stream.flushSync();
    stream.end();
  },
  'winston format.json()': async (dest, n) => {
    const transport = new winston.transports.File({ filename: dest });
    const parent = winston.createLogger({
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [transport],
    });
    const logger = parent.child(ids);
    // Ending a winston logger with records still queued makes the file transport throw
    // "write after end"; count the records it has logged instead.
    const done = new Promise<void>((resolve) => {
      let logged = 0;
      transport.on('logged', () => {
        if (++logged === n) resolve();
      });
    });
    for (let i = 0; i < n; i++) logger.info('request completed', fields);
    await done;
    transport.close?.();
  },
  'baseline: JSON.stringify + buffered write': (dest, n) => {
    const fd = openSync(dest, 'a');
    let buf = '';
    for (let i = 0; i < n; i++) {
      buf += `${JSON.stringify({ timestamp: new Date().toISOString(), level: 'info', message: 'request completed', service: 'bench', ...ids, ...fields })}\n`;
      if (buf.length >= 65536) {
        writeSync(fd, buf);
        buf = '';
      }
    }
    writeSync(fd, buf);
    closeSync(fd);
  },
};

async function measure(run: Run, dest: string): Promise<number> {
  const target =
    dest === 'file' ? join(dir, `${Math.random().toString(36).slice(2)}.log`) : '/dev/null';
  await run(target, WARMUP);
  (globalThis as { gc?: () => void }).gc?.();
  const started = process.hrtime.bigint();
  await run(target, N);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (dest === 'file') rmSync(target, { force: true });
  return N / seconds;
}

const results: { name: string; dest: string; rate: number }[] = [];
for (const dest of ['file', '/dev/null']) {
  for (const [name, run] of Object.entries(contenders)) {
    results.push({ name, dest, rate: await measure(run, dest) });
  }
}
rmSync(dir, { recursive: true, force: true });

console.log(
  `\n${N.toLocaleString('en')} records each (timestamp, level, message, 3 context fields, 5 fields)\n`,
);
console.log(`${'logger'.padEnd(44)}${'destination'.padEnd(13)}${'lines/s'.padStart(12)}   vs pino`);
for (const r of results) {
  const pinoRate = results.find((p) => p.name === 'pino' && p.dest === r.dest)!.rate;
  console.log(
    `${r.name.padEnd(44)}${r.dest.padEnd(13)}${Math.round(r.rate).toLocaleString('en').padStart(12)}   ${(r.rate / pinoRate).toFixed(2)}×`,
  );
}
