// Loopback HTTP measurement for the middleware benchmarks: start a server script in its own Node
// process, drive it with wrk, report µs per request. Skipped (undefined) where wrk is not installed.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';

export function wrkInstalled(): Promise<boolean> {
  return new Promise((resolve) =>
    execFile('wrk', ['--version'], (err) =>
      resolve(!err || (err as { code?: unknown }).code !== 'ENOENT'),
    ),
  );
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
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@obs/source', script, ...args, String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await once(server.stdout, 'data');
    const url = `http://127.0.0.1:${port}${path}`;
    const run = (s: number) =>
      new Promise<number>((resolve, reject) =>
        execFile('wrk', ['-t1', '-c32', `-d${s}s`, url], (err, out) => {
          const rate = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
          if (err || !rate || / Non-2xx| Socket errors/.test(out)) reject(err ?? new Error(out));
          else resolve(Number(rate));
        }),
      );
    await run(2);
    return 1e6 / (await run(seconds));
  } finally {
    server.kill();
  }
}
