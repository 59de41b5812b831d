import { createServer } from 'node:http';
import { describe, expect, it, jest } from '@jest/globals';
import { createShutdown } from './shutdown';

describe('createShutdown draining', () => {
  it('answers with Connection: close while draining, so clients do not reuse sockets it will close', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const url = `http://127.0.0.1:${port}/`;
    const before = await fetch(url);
    expect(before.headers.get('connection')).toBe('keep-alive');
    await before.text();
    // The drain delay runs on a fake clock, so the request below lands inside it however slow
    // the machine is; sockets and fetch keep real time.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const codes: number[] = [];
    const shutdown = createShutdown({
      server,
      drainDelayMs: 300,
      signals: ['SIGUSR2'],
      exit: (code) => codes.push(code),
    });
    try {
      const done = shutdown.begin('test');
      const during = await fetch(url);
      expect(during.headers.get('connection')).toBe('close');
      expect(await during.text()).toBe('ok');
      expect(codes).toEqual([]); // still draining
      await jest.advanceTimersByTimeAsync(300);
      expect(await done).toBe(0);
      expect(codes).toEqual([0]);
    } finally {
      jest.useRealTimers();
      shutdown.dispose();
      server.closeAllConnections();
    }
  });
});

describe('createShutdown limits', () => {
  it('exits 1 when in-flight requests outlast timeoutMs (after flushing), and at once on a second signal', async () => {
    const server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const arrived = new Promise((resolve) => server.once('request', resolve));
    void fetch(`http://127.0.0.1:${port}/hang`).catch(() => undefined);
    await arrived; // in flight when the shutdown begins
    const codes: number[] = [];
    const flushed: string[] = [];
    const shutdown = createShutdown({
      server,
      drainDelayMs: 0,
      timeoutMs: 200,
      signals: ['SIGUSR2'],
      exit: (code) => codes.push(code),
      hooks: [{ name: 'logs', run: () => void flushed.push('logs') }],
    });
    try {
      const done = shutdown.begin('test');
      process.emit('SIGUSR2', 'SIGUSR2'); // a second signal while draining
      expect(codes).toEqual([1]);
      expect(await done).toBe(1);
      expect(codes).toEqual([1, 1]);
      expect(flushed).toEqual(['logs']); // a stuck shutdown still flushes
    } finally {
      shutdown.dispose();
      server.closeAllConnections();
    }
  });
});

describe('createShutdown hooks', () => {
  it('runs every hook exactly once when a hook outlives timeoutMs', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const runs: string[] = [];
    let endPool: (() => void) | undefined;
    const codes: number[] = [];
    const shutdown = createShutdown({
      server,
      drainDelayMs: 0,
      timeoutMs: 100,
      signals: ['SIGUSR2'],
      exit: (code) => codes.push(code),
      hooks: [
        { name: 'logs', run: () => void runs.push('logs') },
        {
          name: 'database',
          run: () => {
            runs.push('database');
            // pg's pool.end(): a second call throws.
            if (runs.filter((r) => r === 'database').length > 1)
              throw new Error('Called end on pool more than once');
            return new Promise<void>((resolve) => (endPool = resolve));
          },
        },
        { name: 'cache', run: () => void runs.push('cache') },
      ],
    });
    try {
      const done = shutdown.begin('test');
      while (!endPool) await jest.advanceTimersByTimeAsync(0); // the database hook is running
      expect(runs).toEqual(['logs', 'database']);
      await jest.advanceTimersByTimeAsync(100); // past timeoutMs, the hook still running
      expect(runs).toEqual(['logs', 'database']);
      endPool();
      await jest.advanceTimersByTimeAsync(0);
      expect(await done).toBe(1); // the time ran out
      expect(runs).toEqual(['logs', 'database', 'cache']);
      expect(codes).toEqual([1]);
    } finally {
      jest.useRealTimers();
      shutdown.dispose();
      server.closeAllConnections();
    }
  });
});
