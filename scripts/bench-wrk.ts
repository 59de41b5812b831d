// Loopback HTTP measurement for the middleware benchmarks: start a server script in its own Node
// process, drive it with wrk, report µs per request. Skipped (undefined) where wrk is not installed.
// The pieces are exported too, for benchmarks that pin the server and wrk to their own cores and
// read the server's CPU time and memory from /proc (Linux).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export function wrkInstalled(): Promise<boolean> {
  return new Promise((resolve) =>
    execFile('wrk', ['--version'], (err) =>
      resolve(!err || (err as { code?: unknown }).code !== 'ENOENT'),
    ),
  );
}

export interface ServerOptions {
  /** The Node binary. @default this process's */
  node?: string;
  /** Pin the process to this CPU (`taskset -c`); its pid stays the server's, as taskset execs. */
  cpu?: number;
  /** Open an IPC channel (`child.send`, `process.on('message')` in the server). @default false */
  ipc?: boolean;
  /**
   * Load the @obs packages from their sources (true) or from their builds, as users do (false:
   * run `pnpm build` first). @default true
   */
  sources?: boolean;
}

/**
 * Starts `script` (TypeScript; sibling packages by their sources unless `sources: false`) with `args`, and resolves once it
 * prints its first line (its "listening"); rejects if it exits before.
 */
export async function startServer(
  script: string,
  args: string[],
  { node = process.execPath, cpu, ipc = false, sources = true }: ServerOptions = {},
): Promise<ChildProcess> {
  const conditions = sources ? ['--conditions=@obs/source'] : [];
  const command = [node, '--import', 'tsx', ...conditions, script, ...args];
  const [file, ...rest] = cpu === undefined ? command : ['taskset', '-c', String(cpu), ...command];
  const server = spawn(file!, rest, {
    stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc' as const] : [])],
  });
  const exited = once(server, 'exit').then(([code, signal]) => {
    throw new Error(`${script} ${args.join(' ')} exited (${String(signal ?? code)}) before ready`);
  });
  try {
    await Promise.race([once(server.stdout!, 'data'), exited]);
  } catch (err) {
    server.kill();
    throw err;
  }
  exited.catch(() => undefined);
  return server;
}

export interface WrkOptions {
  seconds: number;
  /** @default 32 */
  connections?: number;
  /** Pin wrk to this CPU (`taskset -c`). */
  cpu?: number;
}

export interface WrkResult {
  /** Requests wrk completed (those in flight when it stopped are not counted). */
  requests: number;
  /** Requests per second, as wrk reports it. */
  rate: number;
  /** wrk's `Non-2xx` and `Socket errors` lines, when there are any. */
  errors: string | undefined;
}

/** One `wrk -t1` run against `url`. */
export function wrk(
  url: string,
  { seconds, connections = 32, cpu }: WrkOptions,
): Promise<WrkResult> {
  const command = ['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, url];
  const [file, ...args] = cpu === undefined ? command : ['taskset', '-c', String(cpu), ...command];
  return new Promise((resolve, reject) =>
    execFile(file!, args, (err, out) => {
      const rate = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
      const requests = /(\d+) requests in /.exec(out)?.[1];
      if (err || !rate || !requests) {
        reject(err ?? new Error(out));
        return;
      }
      const errors = out.match(/^\s*(Non-2xx.*|Socket errors.*)$/gm)?.map((l) => l.trim());
      resolve({ requests: Number(requests), rate: Number(rate), errors: errors?.join('; ') });
    }),
  );
}

let ticksPerSecond: number | undefined;

/** User plus system CPU time the process `pid` has used so far (all its threads), in µs. */
export function processCpuMicroseconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces); utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

/** The resident set size of the process `pid` (VmRSS), in bytes. */
export function residentBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/**
 * µs per request of `path` on the server that `script` starts with `args` and the port appended
 * (it must print a line once listening): a 2 s warm-up, then `seconds` of wrk -t1 -c32.
 */
export async function wrkMicroseconds(
  script: string,
  args: string[],
  port: number,
  path = '/api/v1/workspaces/w1',
  seconds = 5,
): Promise<number> {
  const server = await startServer(script, [...args, String(port)]);
  try {
    const url = `http://127.0.0.1:${port}${path}`;
    const run = async (s: number) => {
      const result = await wrk(url, { seconds: s });
      if (result.errors) throw new Error(`wrk ${url}: ${result.errors}`);
      return result.rate;
    };
    await run(2);
    return 1e6 / (await run(seconds));
  } finally {
    server.kill();
  }
}
