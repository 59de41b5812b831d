import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

describe('createShutdown with a real server', () => {
  it('drains: 503 on /ready during the delay, in-flight requests finish, new ones refused, hooks in order, exit 0', async () => {
    const logFile = join(mkdtempSync(join(tmpdir(), 'obs-shutdown-')), 'app.log');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@obs/source',
        join(__dirname, 'shutdown-child.fixture.ts'),
        logFile,
      ],
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      let stdout = '';
      let gone = false;
      const watchers: (() => void)[] = [];
      const wake = () => watchers.splice(0).forEach((w) => w());
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        wake();
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => {
          gone = true;
          wake();
          resolve(code);
        }),
      );
      /** Resolves with the match once the child has printed `pattern`. */
      const printed = async (pattern: RegExp): Promise<RegExpExecArray> => {
        for (;;) {
          const match = pattern.exec(stdout);
          if (match) return match;
          if (gone) throw new Error(`the child exited without printing ${pattern}:\n${stdout}`);
          await new Promise<void>((resolve) => watchers.push(resolve));
        }
      };
      const port = Number((await printed(/listening (\d+)/))[1]);
      const base = `http://127.0.0.1:${port}`;
      const status = (path: string) =>
        fetch(`${base}${path}`).then(
          (r) => r.status,
          (err: unknown) => (err as Error).name,
        );
      expect(await status('/ready')).toBe(200);

      const slow = fetch(`${base}/slow`);
      await printed(/slow started/); // in flight when the signal arrives
      child.kill('SIGTERM');
      await printed(/shutdown started/);
      expect(await status('/ready')).toBe(503); // within the fixture's 3 s drain delay
      expect(await status('/live')).toBe(200);
      // Once the delay is over the server stops accepting, while the slow request holds it open.
      let afterDrain: number | string;
      while ((afterDrain = await status('/live')) === 200)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(afterDrain).toBe('TypeError'); // fetch failed: connection refused
      expect(stdout).not.toMatch(/server closed/);

      child.stdin.write('release\n');
      const slowRes = await slow;
      expect(slowRes.status).toBe(200);
      expect(await slowRes.text()).toBe('done');
      expect(await exited).toBe(0);
      expect(readFileSync(logFile, 'utf8')).toBe('hook 1: logs flushed\nhook 2: database closed\n');
      expect(stdout).toMatch(/shutdown started[\s\S]*server closed[\s\S]*shutdown finished/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
