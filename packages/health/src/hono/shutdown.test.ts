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
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    const port = await new Promise<number>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const match = /listening (\d+)/.exec(stdout);
        if (match) resolve(Number(match[1]));
      }),
    );
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/ready`)).status).toBe(200);

    const slow = fetch(`${base}/slow`); // in flight when the signal arrives
    await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const readyDuringDrain = (await fetch(`${base}/ready`)).status;
    const liveDuringDrain = (await fetch(`${base}/live`)).status;
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the 300 ms drain delay
    const afterDrain = await fetch(`${base}/live`).then(
      (r) => r.status,
      (err: unknown) => (err as Error).name,
    );

    const slowRes = await slow;
    expect(slowRes.status).toBe(200);
    expect(await slowRes.text()).toBe('done');
    expect(readyDuringDrain).toBe(503);
    expect(liveDuringDrain).toBe(200);
    expect(afterDrain).toBe('TypeError'); // fetch failed: connection refused
    expect(await exited).toBe(0);
    expect(readFileSync(logFile, 'utf8')).toBe('hook 1: logs flushed\nhook 2: database closed\n');
    expect(stdout).toMatch(/shutdown started[\s\S]*server closed[\s\S]*shutdown finished/);
  }, 30_000);
});
