// The end-to-end suite's building blocks: the demo as users run it (`src/main.ts` in its own
// process, on 127.0.0.1, a fresh data folder, logs to a file), bounded in time and stopped
// after; and a summary every test adds its figures to, printed at the end (summary.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { JOB } from '../src/alert-rules';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export const APP_DIR = resolve(__dirname, '..');
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
/** Where the suite writes what it saves (screenshots, the summary), for CI to keep. */
export const ARTIFACTS = resolve(APP_DIR, '../../artifacts');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

/** Polls `check` every 100 ms until it resolves true; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export interface Demo {
  url: string;
  port: number;
  dataDir: string;
  logFile: string;
  child: ChildProcess;
  /** What the process wrote to stderr (the start-up banner, crashes). */
  stderr(): string;
  /** Every JSON record in the log file so far. */
  logs(): Record<string, unknown>[];
  /** Sends `signal` and resolves with the exit code (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** Kills the process if it still runs and removes its data folder (logs included). */
  cleanup(): void;
}

/** Starts the demo with `env` on top of the suite's defaults; resolves once /ready answers 200. */
export async function startDemo(env: Record<string, string> = {}): Promise<Demo> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'analytics-e2e-'));
  const logFile = join(dataDir, 'app.log');
  let stderr = '';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@obs/source', join(APP_DIR, 'src/main.ts')],
    {
      cwd: APP_DIR,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_FILE: logFile,
        LOG_FORMAT: 'json',
        ADMIN_TOKEN,
        SEED_DEMO: 'false',
        FAULT_INJECTION: 'true',
        SHUTDOWN_DRAIN_MS: '500',
        ENVIRONMENT: 'production',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`demo exited ${child.exitCode}: ${stderr}`);
        return (await fetch(`${url}/ready`)).ok;
      },
      60_000,
      'demo ready',
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${stderr}`);
  }
  return {
    url,
    port,
    dataDir,
    logFile,
    child,
    stderr: () => stderr,
    logs: () => {
      let text = '';
      try {
        text = readFileSync(logFile, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      return child.exitCode;
    },
    cleanup() {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls the demo's API with the admin token, or a given one. */
export async function api(
  demo: Pick<Demo, 'url'>,
  method: string,
  path: string,
  body?: unknown,
  token = ADMIN_TOKEN,
): Promise<Response> {
  return fetch(`${demo.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** One row of the suite's closing table: a section, what was measured, and its figures. */
export function record(section: string, item: string, figures: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  appendFileSync(
    join(ARTIFACTS, 'e2e-summary.jsonl'),
    `${JSON.stringify({ section, item, figures })}\n`,
  );
}

/** A server binary the suite started (Prometheus, Alertmanager): on 127.0.0.1, its own folder. */
export interface Server {
  url: string;
  port: number;
  /** Its temporary folder (configuration and data); removed by stop(). */
  dir: string;
  /** What it wrote to stdout and stderr. */
  output(): string;
  /** SIGTERM, SIGKILL after `timeoutMs`; then removes its folder. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `command` on a free port of 127.0.0.1 in a fresh temporary folder: `files` are written
 * there first (name → content), `args(port, dir)` gives its arguments. Resolves once `readyPath`
 * answers 200 (at most `timeoutMs`); kills it and throws, with its output, otherwise.
 */
export async function startServer(
  command: string,
  args: (port: number, dir: string) => string[],
  options: {
    files?: (dir: string) => Record<string, string>;
    readyPath: string;
    timeoutMs?: number;
  },
): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `e2e-${basename(command)}-`));
  for (const [name, content] of Object.entries(options.files?.(dir) ?? {}))
    writeFileSync(join(dir, name), content);
  let output = '';
  const child = spawn(command, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const spawned = new Promise<void>((res, rej) => {
    child.once('spawn', res);
    child.once('error', rej);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (timeoutMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await spawned;
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}`);
        return (await fetch(`${url}${options.readyPath}`)).ok;
      },
      options.timeoutMs ?? 30_000,
      `${command} ready`,
    );
  } catch (err) {
    await stop(1000);
    throw new Error(`${command}: ${err instanceof Error ? err.message : String(err)}\n${output}`);
  }
  return { url, port, dir, output: () => output, stop };
}

/** One element of a PromQL instant vector, as Prometheus' HTTP API answers it. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Runs an instant PromQL query through Prometheus' HTTP API (`/api/v1/query`). */
export async function promQuery(
  prometheus: Pick<Server, 'url'>,
  query: string,
): Promise<PromSample[]> {
  const res = await fetch(
    `${prometheus.url}/api/v1/query?${new URLSearchParams({ query }).toString()}`,
  );
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: PromSample[] };
  };
  if (body.status !== 'success' || !body.data)
    throw new Error(`${query}: ${body.error ?? res.status}`);
  return body.data.result;
}

/**
 * Prometheus on a free port of 127.0.0.1: scrapes the demo every second as job `analytics`,
 * evaluates `rules` (a rule file's text) every second, and alerts `alertmanagerPort` if given.
 */
export function startPrometheus(options: {
  demoPort: number;
  rules: string;
  alertmanagerPort?: number;
}): Promise<Server> {
  const alerting =
    options.alertmanagerPort === undefined
      ? ''
      : `alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:${options.alertmanagerPort}']
`;
  return startServer(
    'prometheus',
    (port, dir) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    {
      readyPath: '/-/ready',
      files: () => ({
        'rules.yml': options.rules,
        // rule_files are relative to the configuration's folder.
        'prometheus.yml': `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yml
${alerting}scrape_configs:
  - job_name: ${JOB}
    static_configs:
      - targets: ['127.0.0.1:${options.demoPort}']
`,
      }),
    },
  );
}
