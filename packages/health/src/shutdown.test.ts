import { createServer } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { createShutdown } from './shutdown';

describe('createShutdown limits', () => {
  it('exits 1 when in-flight requests outlast timeoutMs, and at once on a second signal', async () => {
    const server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    void fetch(`http://127.0.0.1:${port}/hang`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const codes: number[] = [];
    const shutdown = createShutdown({
      server,
      drainDelayMs: 0,
      timeoutMs: 200,
      signals: ['SIGUSR2'],
      exit: (code) => codes.push(code),
    });
    try {
      const done = shutdown.begin('test');
      process.emit('SIGUSR2', 'SIGUSR2'); // a second signal while draining
      expect(codes).toEqual([1]);
      expect(await done).toBe(1);
      expect(codes).toEqual([1, 1]);
    } finally {
      shutdown.dispose();
      server.closeAllConnections();
    }
  });
});
