import { createServer } from 'node:http';
import { describe, expect, it } from '@jest/globals';
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
      expect(await done).toBe(0);
    } finally {
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
    void fetch(`http://127.0.0.1:${port}/hang`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
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
