// Per-request cost of the tracing middleware (issue 5): ours at 100% and at 10% sampling, side by
// side with @hono/otel, a hand-written span per request and bare Hono, on the same app, batch
// processor into a counting exporter. Targets: ours at 100% ≥ 1.3× @hono/otel's throughput; ours
// at 10% within 15% of bare Hono's (≤ 1.15× its time per request). '(AsyncLocalStorage only)' is a
// reference, not a contender: bare Hono plus a middleware that only runs the request in an
// AsyncLocalStorage — what Node 20's async hooks cost any middleware that makes a span active.
//
// First in-process (app.fetch in a loop, under @hono/node-server's Request/Response and with the
// `{ incoming }` env node-server passes, interleaved rounds, medians), then, where wrk is
// installed, over loopback HTTP — the measure a throughput target is about.
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { wrkInstalled, wrkMicroseconds } from '../../../scripts/bench-wrk';
import { benchApp, CONTENDERS, LABELS, setUp, sink, type Contender } from './apps';

getRequestListener(() => new Response('')); // node-server's lightweight Request/Response globals

function report(title: string, us: Record<Contender, number>): void {
  console.log(`\n${title}`);
  for (const who of CONTENDERS)
    console.log(
      `  ${LABELS[who].padEnd(26)} ${us[who].toFixed(2).padStart(7)} µs  ${String(Math.round(1e6 / us[who])).padStart(7)}/s  ${(us[who] / us.bare).toFixed(2)}× bare`,
    );
  const throughput = (who: Contender) => 1e6 / us[who];
  console.log(
    `  → ours at 100% = ${(throughput('ours-100') / throughput('hono-otel')).toFixed(2)}× @hono/otel's throughput (target ≥ 1.30)\n` +
      `  → ours at 10% = ${(us['ours-10'] / us.bare).toFixed(2)}× bare Hono's time per request, ` +
      `${(throughput('ours-10') / throughput('bare')).toFixed(2)}× its throughput (target ≤ 1.15×, ≥ 0.87×); ` +
      `AsyncLocalStorage alone = ${(us['als-only'] / us.bare).toFixed(2)}×`,
  );
}

async function inProcess(): Promise<void> {
  // What @hono/node-server hands the app as c.env: Node's parsed headers and the socket.
  const env = {
    incoming: {
      headers: { host: 'localhost:3000', 'user-agent': 'bench' },
      socket: { remoteAddress: '127.0.0.1' },
    },
  };
  const requests = Array.from(
    { length: 50 },
    (_, i) => new Request(`http://localhost:3000/api/v1/workspaces/w${i}`),
  );
  const apps = Object.fromEntries(CONTENDERS.map((who) => [who, benchApp(who)])) as Record<
    Contender,
    Hono
  >;
  const N = 100_000;
  const measure = async (who: Contender, n: number): Promise<number> => {
    const t = setUp(who);
    globalThis.gc?.();
    const started = performance.now();
    for (let i = 0; i < n; i++) await apps[who].fetch(requests[i % requests.length]!, env);
    const us = ((performance.now() - started) * 1000) / n;
    await t.shutdown();
    return us;
  };
  for (const who of CONTENDERS) await measure(who, 20_000); // warm up
  const rounds = Object.fromEntries(CONTENDERS.map((who) => [who, [] as number[]])) as Record<
    Contender,
    number[]
  >;
  for (let round = 0; round < 5; round++)
    for (const who of CONTENDERS) rounds[who].push(await measure(who, N));
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  report(
    'in-process, app.fetch() in a loop (µs per request, median of 5 rounds of 100k):',
    Object.fromEntries(CONTENDERS.map((who) => [who, median(rounds[who])])) as Record<
      Contender,
      number
    >,
  );
  console.log(`  (${sink.count} spans exported)`);
}

async function overLoopback(): Promise<void> {
  if (!(await wrkInstalled())) {
    console.log('\n(wrk not installed: loopback HTTP measure skipped; apt-get install wrk)');
    return;
  }
  const script = new URL('./server.ts', import.meta.url).pathname;
  const runs = Object.fromEntries(CONTENDERS.map((who) => [who, [] as number[]])) as Record<
    Contender,
    number[]
  >;
  let port = 18_500;
  for (let round = 0; round < 3; round++)
    for (const who of CONTENDERS) runs[who].push(await wrkMicroseconds(script, [who], port++));
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
  report(
    'loopback HTTP, wrk -t1 -c32 under @hono/node-server (µs per request, median of 3 runs):',
    Object.fromEntries(CONTENDERS.map((who) => [who, median(runs[who])])) as Record<
      Contender,
      number
    >,
  );
}

await inProcess();
await overLoopback();
