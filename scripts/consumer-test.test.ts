import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cleanExit,
  handlesSigterm,
  installProblems,
  killGroup,
  mapLimit,
  ProcessGroups,
  removedUnlessKept,
  requestProblems,
  signalExitCode,
  startProgram,
  stderrProblems,
  stop,
  type Program,
} from './consumer-test';

const ROOT = resolve(__dirname, '..');
const IDLE = 'setInterval(() => {}, 1000);';

/** Resolves once `stream` has carried `text`: the process got as far as printing it. */
function printed(stream: NodeJS.ReadableStream, text: string): Promise<void> {
  return new Promise((done) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (!seen.includes(text)) return;
      stream.off('data', onData);
      done();
    };
    stream.on('data', onData);
  });
}

/**
 * A detached process that starts a second one in its group, sharing its stdout, then prints
 * `ready`. Its 'close' comes only when both are gone: the pipe stays open while either lives.
 */
function spawnFamily(): ChildProcess {
  const script = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(IDLE)}], { stdio: ['ignore', 'inherit', 'ignore'] }); console.log('ready'); ${IDLE}`;
  return spawn(process.execPath, ['-e', script], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

describe('installProblems', () => {
  it('keeps resolution errors and peer, override and conflict warnings', () => {
    const output = [
      'npm warn deprecated inflight@1.0.6: This module is not supported',
      'npm warn ERESOLVE overriding peer dependency',
      'npm warn While resolving: @obs/tracing@1.0.0',
      'npm warn Found: peer @opentelemetry/api@"1.9.0" from the root project',
      'npm warn Conflicting peer dependency: @opentelemetry/api@1.10.0',
      'npm error code ERESOLVE',
      'added 40 packages in 2s',
    ].join('\n');
    expect(installProblems(output)).toEqual([
      'npm warn ERESOLVE overriding peer dependency',
      'npm warn Found: peer @opentelemetry/api@"1.9.0" from the root project',
      'npm warn Conflicting peer dependency: @opentelemetry/api@1.10.0',
      'npm error code ERESOLVE',
    ]);
  });

  it('passes a quiet install', () => {
    expect(installProblems('\nadded 12 packages in 1s\n')).toEqual([]);
  });
});

describe('stderrProblems', () => {
  it("keeps core's internal-error reports and Node's warnings, not the program's own logs", () => {
    const stderr = [
      'request failed Error: database unreachable',
      '    at main.js:31:11',
      '[@obs] @obs/tracing: initTracing: another tracer provider is registered',
      '(node:4242) ExperimentalWarning: SQLite is an experimental feature',
      '(Use `node --trace-warnings ...` to show where the warning was created)',
    ].join('\n');
    expect(stderrProblems(stderr)).toEqual([
      '[@obs] @obs/tracing: initTracing: another tracer provider is registered',
      '(node:4242) ExperimentalWarning: SQLite is an experimental feature',
    ]);
  });
});

describe('ProcessGroups', () => {
  it('kills every process of a tracked group, then forgets it', async () => {
    const groups = new ProcessGroups();
    const family = spawnFamily();
    groups.add(family);
    await printed(family.stdout!, 'ready');
    expect(groups.size).toBe(1);
    const closed = once(family, 'close');
    expect(groups.killAll()).toBe(1);
    expect(await closed).toEqual([null, 'SIGKILL']);
    expect(groups.size).toBe(0);
  });

  it('forgets a child once it has closed, and never started is never tracked', async () => {
    const groups = new ProcessGroups();
    const child = spawn(process.execPath, ['-e', ''], { detached: true, stdio: 'pipe' });
    groups.add(child);
    await once(child, 'close');
    const missing = spawn(join(ROOT, 'no-such-command'), { detached: true });
    groups.add(missing);
    await once(missing, 'error');
    expect(groups.size).toBe(0);
    expect(groups.killAll()).toBe(0);
  });

  it('killGroup ignores a group that no longer exists', () => {
    expect(() => killGroup(2 ** 30)).not.toThrow();
  });
});

describe('killGroupsOnExit', () => {
  it('gives a signal its shell exit code', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s kills the groups still running and exits 128 + the signal',
    async (signal) => {
      // The harness's own setup: a tracked detached child holding the harness's stdout.
      const script = [
        "const { spawn } = require('node:child_process');",
        "const { ProcessGroups, killGroupsOnExit } = require('./scripts/consumer-test.ts');",
        'const groups = new ProcessGroups();',
        "killGroupsOnExit(groups, () => console.error('interrupted ran'));",
        `groups.add(spawn(process.execPath, ['-e', ${JSON.stringify(IDLE)}], { detached: true, stdio: ['ignore', 'inherit', 'ignore'] }));`,
        "console.log('ready');",
        IDLE,
      ].join('\n');
      const harness = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      harness.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await printed(harness.stdout, 'ready');
      const closed = once(harness, 'close');
      harness.kill(signal);
      // 'close' waits for the detached child too, which shares the stdout pipe.
      expect(await closed).toEqual([signalExitCode(signal), null]);
      expect(stderr).toBe(`consumer: ${signal}: killed 1 process group(s)\ninterrupted ran\n`);
    },
  );

  it('kills them on a normal exit too', async () => {
    const script = [
      "const { spawn } = require('node:child_process');",
      "const { ProcessGroups, killGroupsOnExit } = require('./scripts/consumer-test.ts');",
      'const groups = new ProcessGroups();',
      'killGroupsOnExit(groups);',
      `const child = spawn(process.execPath, ['-e', ${JSON.stringify(IDLE)}], { detached: true, stdio: ['ignore', 'inherit', 'ignore'] });`,
      'groups.add(child);',
      'child.unref();',
    ].join('\n');
    const harness = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    expect(await once(harness, 'close')).toEqual([0, null]);
  });
});

describe('requestProblems', () => {
  // Logs `handled <path>` for each request before answering, as an example's logger would.
  const program = { stdout: '' };
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      program.stdout += `handled ${req.url}\n`;
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
  });

  it('looks for `output` only in what was written after this request was sent', async () => {
    program.stdout = 'started: handled /boot\n';
    const check = (path: string, output: string[]): Promise<string[]> =>
      requestProblems(program, port, { request: `GET ${path}`, status: 200, output }, 0);
    expect(await check('/a', ['handled /a'])).toEqual([]);
    // Written at startup and for the request before: neither counts for this one.
    expect(await check('/b', ['handled /boot', 'handled /a', 'handled /b'])).toEqual([
      'stdout lacks "handled /boot"',
      'stdout lacks "handled /a"',
      'body: ok',
      'stdout since the request:\nhandled /b',
    ]);
  });
});

describe('exit after SIGTERM', () => {
  it('expects exit code 0 from an example that handles SIGTERM, else also death by it', () => {
    expect(handlesSigterm("process.once('SIGTERM', () => server.close())")).toBe(true);
    expect(handlesSigterm('// On SIGTERM: /ready turns 503\ncreateShutdown({ server });')).toBe(
      true,
    );
    expect(handlesSigterm('createShutdown({ server, health });')).toBe(true);
    expect(handlesSigterm('serve({ fetch: app.fetch, port: 3000 });')).toBe(false);

    const exits = [
      { code: 0, signal: null },
      { code: null, signal: 'SIGTERM' },
      { code: 1, signal: null },
      { code: null, signal: 'SIGKILL' },
    ] as const;
    expect(exits.map((exit) => cleanExit(exit, true))).toEqual([true, false, false, false]);
    expect(exits.map((exit) => cleanExit(exit, false))).toEqual([true, true, false, false]);
  });

  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'obs-consumer-stop-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function started(main: string): Promise<Program> {
    writeFileSync(join(dir, 'main.js'), `${main}\nconsole.log('ready');\n${IDLE}\n`);
    const program = startProgram(dir, 0);
    await printed(program.child.stdout!, 'ready');
    return program;
  }

  it('accepts death by SIGTERM only from an example without a handler', async () => {
    expect(await stop(await started(''), false)).toBeUndefined();
    const problem = await stop(await started(''), true);
    expect(problem).toMatch(
      /^exited with SIGTERM after SIGTERM, expected exit code 0: the example handles SIGTERM/,
    );
  });

  it('accepts exit code 0 from an example with a handler, and not exit code 1', async () => {
    const exit0 = "process.on('SIGTERM', () => process.exit(0));";
    expect(await stop(await started(exit0), true)).toBeUndefined();
    const exit1 = "process.on('SIGTERM', () => process.exit(1));";
    expect(await stop(await started(exit1), false)).toMatch(/^exited with 1 after SIGTERM/);
  });
});

describe('mapLimit', () => {
  it('starts nothing after a failure, and rejects once what had started has settled', async () => {
    const calls: number[] = [];
    let finishTwo!: () => void;
    const two = new Promise<void>((done) => (finishTwo = done));
    const mapped = mapLimit([1, 2, 3, 4], 2, async (n) => {
      calls.push(n);
      if (n === 1) throw new Error('pack 1 failed');
      if (n === 2) await two;
      return n;
    });
    let settled = false;
    mapped.catch(() => (settled = true));
    for (let i = 0; i < 5; i++) await new Promise((tick) => setImmediate(tick));
    expect(settled).toBe(false); // 2 still runs
    finishTwo();
    await expect(mapped).rejects.toThrow('pack 1 failed');
    expect(calls).toEqual([1, 2]);
  });

  it('keeps the order of the items', async () => {
    expect(await mapLimit([3, 1, 2], 2, (n) => Promise.resolve(n * 10))).toEqual([30, 10, 20]);
  });
});

describe('removedUnlessKept', () => {
  const folder = (): string => mkdtempSync(join(tmpdir(), 'obs-consumer-test-'));

  it('removes the folder after a throw', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'tarball.tgz'), '');
    await expect(
      removedUnlessKept(
        dir,
        () => Promise.reject(new Error('registry did not start')),
        () => true,
      ),
    ).rejects.toThrow('registry did not start');
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps it when the result asks, and removes it otherwise', async () => {
    const kept = folder();
    expect(
      await removedUnlessKept(
        kept,
        () => Promise.resolve('failed'),
        () => true,
      ),
    ).toBe('failed');
    expect(existsSync(kept)).toBe(true);
    rmSync(kept, { recursive: true });
    const removed = folder();
    await removedUnlessKept(
      removed,
      () => Promise.resolve('passed'),
      () => false,
    );
    expect(existsSync(removed)).toBe(false);
  });
});
