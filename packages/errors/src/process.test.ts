import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startSentryIngest, type SentryIngest } from './sentry-ingest.fixture';

// Each test has its own ingest endpoint and child: a child left over from an earlier test (one
// that timed out) can neither post into this test's endpoint nor outlive the test.
let ingest: SentryIngest;
let child: ChildProcess | undefined;
beforeEach(async () => {
  ingest = await startSentryIngest();
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await ingest.close();
});

/** Runs the child asynchronously: the ingest server it reports to lives in this process. */
function runChild(
  kind: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const started = spawn(
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
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    started.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    started.on('close', (status) => resolve({ status, stdout, stderr }));
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
      // Flushed before the exit, so it is here already; waited for by identity all the same.
      const event = await ingest.event((e) => e.tags.mechanism === mechanism);
      expect(ingest.events).toHaveLength(1);
      expect(event).toMatchObject({
        level: 'fatal',
        tags: { mechanism },
        exception: { values: [{ value: message }] },
      });
    },
    // A child Node with tsx and Sentry, on a busy machine: the limit only guards against a hang.
    120_000,
  );
});
