import { spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSentryIngest, type SentryIngest } from './sentry-ingest.fixture';

let ingest: SentryIngest;
beforeAll(async () => {
  ingest = await startSentryIngest();
});
afterAll(() => ingest.close());
beforeEach(() => {
  ingest.events.length = 0;
});

/** Runs the child asynchronously: the ingest server it reports to lives in this process. */
function runChild(
  kind: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@obs/source',
        `${__dirname}/process-child.fixture.ts`,
        kind,
      ],
      { env: { ...process.env, TEST_DSN: ingest.dsn, NODE_OPTIONS: '' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('installProcessHandlers', () => {
  it.each([
    ['exception', 'uncaughtException', 'nobody caught this'],
    ['rejection', 'unhandledRejection', 'nobody awaited this'],
  ])(
    'on an unhandled %s: reports it, logs it, flushes, then exits 1 with the stack as Node would',
    async (kind, mechanism, message) => {
      const { status, stdout, stderr } = await runChild(kind);
      expect(status).toBe(1);
      expect(stdout).toContain(`logged ${mechanism}: ${message}`);
      expect(stderr).toContain(`Error: ${message}`);
      expect(stderr).toContain('process-child.fixture.ts');
      await ingest.waitFor(1);
      expect(ingest.events[0]).toMatchObject({
        level: 'fatal',
        tags: { mechanism },
        exception: { values: [{ value: message }] },
      });
    },
    30_000,
  );
});
