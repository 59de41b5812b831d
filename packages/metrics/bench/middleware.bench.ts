// Per-request cost of the RED middleware, side by side with @hono/prometheus, on the same app.
// Target (issue 4): ours ≤ half of @hono/prometheus's per-request overhead, in-flight and size
// metrics on.
//
// Two measures, both printed. "Alone": the middleware is the app's only one, so its cost includes
// Hono leaving its single-handler fast path for the middleware pipeline (shown as "an empty
// middleware"), which any middleware pays. "After another middleware": the app already has one (any
// @obs app has obsContext()), so the figure is the middleware's own work.
//
// First in-process (app.fetch in a loop, under @hono/node-server's Request/Response, medians of
// interleaved rounds), then, where wrk is installed, over loopback HTTP.
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { wrkInstalled, wrkMicroseconds } from '../../../scripts/bench-wrk';
import { benchApp, CONTENDERS, type Contender } from './apps';

const serverScript = new URL('./server.ts', import.meta.url).pathname;

type Position = 'first' | 'after';
const POSITIONS: Position[] = ['first', 'after'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function report(title: string, cost: (position: Position, who: Contender | 'bare') => number) {
  console.log(`\n${title}`);
  for (const position of POSITIONS) {
    const base = position === 'first' ? cost('first', 'bare') : cost('first', 'empty');
    const over = (who: Contender) => cost(position, who) - base;
    const label = position === 'first' ? 'alone, over bare Hono' : 'after another middleware';
    console.log(
      `  ${label.padEnd(26)} ` +
        (position === 'first' ? `empty middleware ${over('empty').toFixed(2)} µs, ` : '') +
        `@hono/prometheus ${over('theirs').toFixed(2)} µs, @obs/metrics ${over('ours').toFixed(2)} µs` +
        ` → ours/theirs = ${(over('ours') / over('theirs')).toFixed(2)} (target ≤ 0.50)`,
    );
  }
}

async function inProcess(): Promise<void> {
  getRequestListener(() => new Response('')); // installs node-server's lightweight Request/Response
  const requests = Array.from(
    { length: 50 },
    (_, i) => new Request(`http://localhost/api/v1/workspaces/w${i}`),
  );
  const apps = new Map<string, Hono>();
  for (const position of POSITIONS)
    for (const who of ['bare', ...CONTENDERS] as const)
      if (!(position === 'after' && who === 'bare'))
        apps.set(`${position}/${who}`, benchApp(who, position === 'first'));
  const loop = async (app: Hono, n: number) => {
    for (let i = 0; i < n; i++) await app.fetch(requests[i % requests.length]!);
  };
  const N = 200_000;
  for (const app of apps.values()) await loop(app, N); // warm up every path
  const rounds = new Map<string, number[]>();
  for (let round = 0; round < 5; round++) {
    for (const [key, app] of apps) {
      globalThis.gc?.();
      const started = performance.now();
      await loop(app, N);
      rounds.set(key, [...(rounds.get(key) ?? []), ((performance.now() - started) * 1000) / N]);
    }
  }
  report('in-process, app.fetch() in a loop (µs per request, median of 5 rounds):', (p, who) =>
    median(rounds.get(`${p}/${who}`)!),
  );
}

async function overLoopback(): Promise<void> {
  if (!(await wrkInstalled())) {
    console.log('\n(wrk not installed: loopback HTTP measure skipped; apt-get install wrk)');
    return;
  }
  const runs = new Map<string, number[]>();
  let port = 18_400;
  for (let round = 0; round < 2; round++) {
    for (const position of POSITIONS)
      for (const who of ['bare', ...CONTENDERS] as const) {
        if (position === 'after' && who === 'bare') continue;
        const key = `${position}/${who}`;
        runs.set(key, [
          ...(runs.get(key) ?? []),
          await wrkMicroseconds(serverScript, [who, position], port++),
        ]);
      }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  report(
    'loopback HTTP, wrk -t1 -c32 under @hono/node-server (µs per request, mean of 2 runs):',
    (p, who) => mean(runs.get(`${p}/${who}`)!),
  );
}

await inProcess();
await overLoopback();
