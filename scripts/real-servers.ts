// Real Redis and PostgreSQL for tests (the health checks', the demo's), each on 127.0.0.1 on a
// free port with its data in a temporary folder, started within a time limit and stopped after.
// The limits only guard against a hang: a busy machine starts a server slowly, never wrongly.
// Undefined where the server is not installed (CI installs both: scripts/install-test-deps.sh).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PGBIN = '/usr/lib/postgresql/15/bin';

export interface RealServer {
  port: number;
  url: string;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  /** Stops the server process only (a crash, an outage); `resume()` starts it again. */
  halt(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  resume(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** Outside CI a missing server skips its test, with a warning; CI installs both, so there it fails. */
export function notInstalled(what: string): void {
  if (process.env.CI)
    throw new Error(`${what} is not installed (scripts/install-test-deps.sh installs it)`);
  console.warn(`${what} not installed: skipped`);
}

export function redisInstalled(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

export async function startRedis(): Promise<RealServer | undefined> {
  if (!redisInstalled()) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'obs-redis-'));
  const launch = async () => {
    const started = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      () =>
        spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], {
          encoding: 'utf8',
        }).stdout.includes('PONG'),
      60_000,
      'redis-server',
    );
    return started;
  };
  let child = await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
    halt: () => stopChild(child),
    resume: async () => {
      child = await launch();
    },
  };
}

export function postgresInstalled(): boolean {
  return existsSync(join(PGBIN, 'postgres')) && existsSync(join(PGBIN, 'initdb'));
}

/** initdb and postgres refuse to run as root: as root they run as the `postgres` user. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [cmd, args];
  if (spawnSync('id', ['postgres']).status !== 0)
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
  return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
}

export async function startPostgres(): Promise<RealServer | undefined> {
  if (!postgresInstalled()) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'obs-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:', dir]);
  const [initCmd, initArgs] = asPostgres(join(PGBIN, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore', timeout: 60_000 });
  const [cmd, args] = asPostgres(join(PGBIN, 'postgres'), [
    '-D',
    data,
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'fsync=off',
  ]);
  const [stopCmd, stopArgs] = asPostgres(join(PGBIN, 'pg_ctl'), [
    '-D',
    data,
    '-m',
    'immediate',
    '-w',
    'stop',
  ]);
  const launch = async () => {
    const started = spawn(cmd, args, { stdio: 'ignore' });
    await waitFor(
      () =>
        spawnSync(join(PGBIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0,
      60_000,
      'postgres',
    );
    return started;
  };
  // Stopped as a crash would (immediate): committed transactions come back from the WAL.
  const halt = async () => {
    spawnSync(stopCmd, stopArgs, { stdio: 'ignore', timeout: 20_000 });
    await stopChild(child);
  };
  let child = await launch();
  return {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    halt,
    resume: async () => {
      child = await launch();
    },
  };
}
