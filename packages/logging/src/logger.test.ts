import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { createRedactor, runWithContext } from '@obs/core';
import { createLogger, memoryDestination, type LoggerOptions } from './index';

function setup(options: LoggerOptions = {}) {
  const sink = memoryDestination();
  const logger = createLogger({
    service: { name: 'analytics', version: '1.2.3', environment: 'test' },
    destination: sink,
    ...options,
  });
  return { sink, logger, records: () => sink.records(), last: () => sink.records().at(-1)! };
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('records', () => {
  it('carry the fixed fields first, in order, then bindings, then the call fields', () => {
    const { logger, sink } = setup();
    logger.child({ component: 'ingest' }).info('hello', { rows: 3 });
    const [line] = sink.lines();
    const record = JSON.parse(line!) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual([
      'timestamp',
      'level',
      'message',
      'service',
      'environment',
      'version',
      'logger',
      'pid',
      'hostname',
      'component',
      'rows',
    ]);
    expect(record).toMatchObject({
      level: 'info',
      message: 'hello',
      service: 'analytics',
      environment: 'test',
      version: '1.2.3',
      logger: 'app',
      pid: process.pid,
      hostname: hostname(),
      component: 'ingest',
      rows: 3,
    });
    expect(record.timestamp).toMatch(ISO_UTC);
  });

  it('take request ids from the context, each request its own', async () => {
    const { logger, records } = setup();
    await Promise.all(
      ['r1', 'r2'].map((requestId, i) =>
        runWithContext({ requestId, userId: `u${i}`, workspaceId: `w${i}` }, async () => {
          await sleep(i === 0 ? 5 : 1);
          logger.info('step');
        }),
      ),
    );
    // Which logs first depends on the timers (a busy machine fires both at once); each record
    // carrying its own request's ids does not.
    const ids = records().map((r) => [r.request_id, r.user_id, r.workspace_id]);
    expect(ids.sort()).toEqual([
      ['r1', 'u0', 'w0'],
      ['r2', 'u1', 'w1'],
    ]);
  });

  it('let an explicit field or binding win over the context, without repeating the key', () => {
    const { logger, sink } = setup();
    runWithContext({ requestId: 'from-context' }, () => {
      logger.info('a', { request_id: 'explicit' });
      logger.child({ request_id: 'bound' }).info('b');
    });
    const [a, b] = sink.lines();
    expect(a!.match(/request_id/g)).toHaveLength(1);
    expect(JSON.parse(a!)).toMatchObject({ request_id: 'explicit' });
    expect(b!.match(/request_id/g)).toHaveLength(1);
    expect(JSON.parse(b!)).toMatchObject({ request_id: 'bound' });
  });

  it('let a call field override a binding, as one key', () => {
    const { logger, sink } = setup();
    logger.child({ step: 'bound', keep: 1 }).info('x', { step: 'call' });
    const [line] = sink.lines();
    expect(line!.match(/"step"/g)).toHaveLength(1);
    expect(JSON.parse(line!)).toMatchObject({ step: 'call', keep: 1 });
  });

  it('rename fields that would overwrite the record’s own keys', () => {
    const { logger, last } = setup();
    logger.info('real', { level: 'fake', message: 'forged', timestamp: 0, service: 'other' });
    expect(last()).toMatchObject({
      level: 'info',
      message: 'real',
      service: 'analytics',
      field_level: 'fake',
      field_message: 'forged',
      field_timestamp: 0,
      field_service: 'other',
    });
  });

  it('never write the same key twice, even when renamed keys collide', () => {
    const { logger, sink } = setup();
    logger.info('x', { level: 'a', field_level: 'b' });
    const [line] = sink.lines();
    expect(JSON.parse(line!)).toMatchObject({
      level: 'info',
      field_level: 'b',
      field_field_level: 'a',
    });
    expect(line!.match(/"field_level"/g)).toHaveLength(1);
  });

  it('survive cyclic fields with redaction turned off', () => {
    const { logger, last } = setup({ redact: false });
    const node: Record<string, unknown> = { name: 'n' };
    for (let i = 0; i < 6; i++) node[`ref${i}`] = node;
    logger.info('cycle', { node });
    expect(last()).toMatchObject({ node: { name: 'n', ref0: '[Circular]', ref5: '[Circular]' } });
  });

  it('keep a message with newlines and control characters on one line', () => {
    const { logger, sink } = setup();
    logger.info('ok\n{"level":"error","message":"forged"}\r\u2028\u0000', { note: 'a\nb' });
    const [line] = sink.lines();
    expect(line!.split('\n')).toHaveLength(1);
    expect(JSON.parse(line!)).toMatchObject({
      message: 'ok\n{"level":"error","message":"forged"}\r\u2028\u0000',
      note: 'a\nb',
    });
  });
});

describe('trace ids', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });

  it('appear when a span is active', () => {
    const { logger, records } = setup();
    const tracer = new TracerProvider().getTracer('test');
    logger.info('before');
    tracer.startActiveSpan('work', (span) => {
      logger.info('inside');
      expect(records()[1]).toMatchObject({
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
      });
      span.end();
    });
    expect(records()[0]).not.toHaveProperty('trace_id');
  });
});

describe('redaction', () => {
  it('redacts a password three levels down and an Authorization header by default', () => {
    const { logger, last } = setup();
    logger.info('signup', {
      body: { user: { credentials: { password: 'hunter2', hint: 'pet' } } },
      headers: { Authorization: 'Bearer abc', accept: 'json' },
    });
    expect(last()).toMatchObject({
      body: { user: { credentials: { password: '[REDACTED]', hint: 'pet' } } },
      headers: { Authorization: '[REDACTED]', accept: 'json' },
    });
    expect(JSON.stringify(last())).not.toContain('hunter2');
  });

  it('treats a missing bindings object as none', () => {
    const { logger, last } = setup();
    logger.child(undefined as unknown as Record<string, unknown>).info('ok');
    expect(last()).toMatchObject({ message: 'ok' });
  });

  it('redacts bindings once, when the child is made', () => {
    const { logger, last } = setup();
    logger.child({ api_key: 'k-123' }).info('x');
    expect(last()).toMatchObject({ api_key: '[REDACTED]' });
  });

  it('leaves flat records of strings, numbers and booleans exactly as core’s redactor does', () => {
    // Differential: 300 generated records, the oracle is createRedactor with the same policy.
    const paths = ['**.ssn', 'card*'];
    const { logger, records } = setup({ redact: { paths, censor: '***' } });
    const oracle = createRedactor({ paths, censor: '***' });
    const keys = [
      'route',
      'status',
      'password',
      'api_key',
      'max_tokens',
      'token_count',
      'ssn',
      'card_number',
      'cardinality',
      'authorization',
      'user_id',
      'secret',
      'access_token',
      'ok',
    ];
    let seed = 17;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    const values = [
      () => `v${next() % 100}`,
      () => next() % 1000,
      () => next() % 2 === 0,
      () => undefined,
    ];
    const expected: Record<string, unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const fields: Record<string, unknown> = {};
      for (let k = 0; k < 1 + (next() % 6); k++)
        fields[keys[next() % keys.length]!] = values[next() % 4]!();
      logger.info('generated', fields);
      expected.push(JSON.parse(JSON.stringify(oracle(fields))) as Record<string, unknown>);
    }
    const written = records().map((r) =>
      Object.fromEntries(Object.entries(r).filter(([key]) => keys.includes(key))),
    );
    expect(written).toEqual(expected);
  });

  it('takes extra paths and a censor, or can be turned off', () => {
    const custom = setup({ redact: { paths: ['**.ssn'], censor: '***' } });
    custom.logger.info('x', { person: { ssn: '1', password: 'p' } });
    expect(custom.last()).toMatchObject({ person: { ssn: '***', password: '***' } });
    const off = setup({ redact: false });
    off.logger.info('x', { password: 'visible' });
    expect(off.last()).toMatchObject({ password: 'visible' });
  });
});

describe('serialization', () => {
  it('serializes errors anywhere, with code and a depth-limited cause chain', () => {
    const { logger, last } = setup();
    let cause: Error = new Error('root');
    for (let i = 0; i < 8; i++) cause = new Error(`level ${i}`, { cause });
    const err = Object.assign(new TypeError('bad input', { cause }), { code: 'E_BAD' });
    logger.error('failed', { err, nested: { list: [new RangeError('in a list')] } });
    const record = last() as { err: Record<string, unknown>; nested: { list: unknown[] } };
    expect(record.err).toMatchObject({ type: 'TypeError', message: 'bad input', code: 'E_BAD' });
    expect(String(record.err.stack)).toContain('TypeError: bad input');
    let depth = 0;
    let c = record.err.cause as Record<string, unknown> | string;
    while (typeof c === 'object') {
      depth++;
      c = c.cause as Record<string, unknown> | string;
    }
    expect(depth).toBe(5);
    expect(c).toBe('[cause chain truncated]');
    expect(record.nested.list[0]).toMatchObject({ type: 'RangeError', message: 'in a list' });
  });

  it('accepts an error as the message or as the fields', () => {
    const { logger, records } = setup();
    logger.error(new Error('as message') as unknown as string);
    logger.error('as fields', new Error('boom'));
    expect(records()[0]).toMatchObject({ message: 'as message', error: { type: 'Error' } });
    expect(records()[1]).toMatchObject({ message: 'as fields', error: { message: 'boom' } });
  });

  it('never throws on values JSON cannot take', () => {
    const { logger, last } = setup();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const fields = {
      cyclic,
      big: 2n ** 70n,
      buf: Buffer.from('hello'),
      map: new Map([['k', 1]]),
      set: new Set(['a', 'b']),
      when: new Date(Date.UTC(2026, 10, 22)),
      sym: Symbol('s'),
      fn: function named() {},
      nan: NaN,
      get broken(): never {
        throw new Error('getter');
      },
    };
    logger.info('weird', fields);
    expect(last()).toMatchObject({
      cyclic: { name: 'loop', self: '[Circular]' },
      big: '1180591620717411303424',
      buf: '[Buffer: 5 bytes]',
      map: { k: 1 },
      set: ['a', 'b'],
      when: '2026-11-22T00:00:00.000Z',
      sym: 'Symbol(s)',
      fn: '[Function: named]',
      nan: 'NaN',
      broken: '[Unreadable: getter threw]',
    });
  });

  it('cuts long strings and deep nesting with markers', () => {
    const { logger, last } = setup({ maxStringLength: 20, maxDepth: 3 });
    logger.info('y'.repeat(30), { long: 'x'.repeat(50), deep: { a: { b: { c: { d: 1 } } } } });
    expect(last()).toMatchObject({
      message: `${'y'.repeat(20)}…[truncated 10 chars]`,
      long: `${'x'.repeat(20)}…[truncated 30 chars]`,
      deep: { a: { b: '[Object]' } },
    });
  });
});

describe('levels', () => {
  it('writes the configured level and above; a disabled level is one shared no-op', () => {
    const { logger, records } = setup({ level: 'warn' });
    logger.info('dropped');
    logger.warn('kept');
    expect(records().map((r) => r.message)).toEqual(['kept']);
    expect(logger.debug).toBe(logger.info);
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(logger.isLevelEnabled('error')).toBe(true);
    expect(logger.level).toBe('warn');
  });

  it('applies per-name levels to children named with a logger binding, dotted names included', () => {
    const { logger, records } = setup({
      level: 'debug',
      levels: { db: 'warn', 'db.audit': 'info' },
    });
    const db = logger.child({ logger: 'db' });
    db.info('quiet');
    db.child({ logger: 'db.pool' }).info('also quiet');
    db.child({ logger: 'db.audit' }).info('heard');
    logger.debug('root heard');
    expect(records().map((r) => [r.logger, r.message])).toEqual([
      ['db.audit', 'heard'],
      ['app', 'root heard'],
    ]);
  });

  it('reads LOG_LEVEL and LOG_LEVELS when options are absent', () => {
    const saved = { ...process.env };
    try {
      process.env.LOG_LEVEL = 'ERROR';
      process.env.LOG_LEVELS = 'http=debug, db=fatal';
      const { logger } = setup();
      expect(logger.level).toBe('error');
      expect(logger.child({ logger: 'http' }).level).toBe('debug');
      expect(logger.child({ logger: 'db' }).level).toBe('fatal');
      expect(setup({ level: 'trace' }).logger.level).toBe('trace');
    } finally {
      process.env = saved;
    }
  });
});

describe('options', () => {
  it.each([
    [{ level: 'loud' }, 'level'],
    [{ levels: 'db=loud' }, 'levels'],
    [{ levels: { db: 'loud' } }, 'levels.db'],
    [{ format: 'xml' }, 'format'],
    [{ destination: 42 }, 'destination'],
    [{ destination: ['stdout', {}] }, 'destination.1'],
    [{ redact: { paths: ['a..b'] } }, 'redact.paths[0]'],
    [{ maxDepth: 0 }, 'maxDepth'],
    [{ colour: true }, '(options)'],
  ])('rejects %j with ObsConfigError naming %s', (options, option) => {
    expect(() => createLogger(options as LoggerOptions)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', option }),
    );
  });
});

describe('caller info', () => {
  it('is off by default and names the calling file, function and line when on', () => {
    const { logger, records } = setup({ caller: true });
    function reportProgress() {
      logger.info('progress');
    }
    reportProgress();
    expect(records()[0]).toMatchObject({ module: 'logger.test.ts', function: 'reportProgress' });
    expect(records()[0]!.line).toEqual(expect.any(Number));
    const plain = setup();
    plain.logger.info('x');
    expect(plain.last()).not.toHaveProperty('module');
  });
});

describe('lifecycle', () => {
  it('drops records after close, without throwing', async () => {
    const { logger, sink } = setup();
    await logger.close();
    logger.info('late');
    expect(sink.total).toBe(0);
  });
});

describe('a line logged in the app’s own exit handler', () => {
  /** A child Node with tsx: slow on a busy machine; only a hang guard. */
  const CHILD_LIMIT_MS = 120_000;

  function runChild(path: string, how: string): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=@obs/source',
          join(__dirname, 'exit-handler.fixture.ts'),
          path,
          how,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
  }

  const messages = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { message: string }).message);

  it.each([
    ['process.exit()', 'exit'],
    ['the event loop running dry', 'natural'],
  ])(
    'reaches the file and stdout, after %s',
    async (_label, how) => {
      const dir = mkdtempSync(join(tmpdir(), 'obs-exit-'));
      try {
        const path = join(dir, 'app.log');
        const { code, stdout } = await runChild(path, how);
        expect(code).toBe(0);
        const expected = [
          'started',
          'exit handler registered first',
          'exit handler registered last',
        ];
        expect(messages(readFileSync(path, 'utf8'))).toEqual(expected);
        expect(messages(stdout)).toEqual(expected);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    CHILD_LIMIT_MS,
  );
});
