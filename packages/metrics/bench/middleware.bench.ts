// Per-request cost of the RED middleware on a Hono app, side by side with @hono/prometheus and
// bare Hono. Target (issue 4): our overhead ≤ half of @hono/prometheus's, with in-flight and size
// metrics on.
import { prometheus } from '@hono/prometheus';
import { Hono, type MiddlewareHandler } from 'hono';
import { bench, do_not_optimize, measure, run, summary } from 'mitata';
import { Registry } from 'prom-client';
import { createMetrics } from '../src/index';
import { httpMetrics } from '../src/hono/index';

function app(middleware?: MiddlewareHandler): Hono {
  const a = new Hono();
  if (middleware) a.use(middleware);
  a.get('/api/v1/workspaces/:id', (c) => c.json({ id: c.req.param('id') }));
  return a;
}

const bare = app();
const theirs = app(prometheus({ registry: new Registry() }).registerMetrics);
const ours = app(httpMetrics({ metrics: createMetrics({ collectDefaultMetrics: false }) }));
const paths = Array.from({ length: 50 }, (_, i) => `/api/v1/workspaces/w${i}`);
let i = 0;
const next = () => paths[i++ % paths.length]!;

summary(() => {
  bench('bare Hono', async () => do_not_optimize(await bare.request(next()))).baseline(true);
  bench('Hono + @hono/prometheus', async () => do_not_optimize(await theirs.request(next())));
  bench('Hono + @obs/metrics httpMetrics()', async () =>
    do_not_optimize(await ours.request(next())),
  );
});

await run({ colors: false });

// Then medians of three more rounds, interleaved: these shared machines are noisy, and one slow
// burst moves an average.
const empty = app(async (_c, next) => {
  await next();
});
const contenders = { base: bare, empty, theirs, ours };
const rounds: Record<keyof typeof contenders, number[]> = {
  base: [],
  empty: [],
  theirs: [],
  ours: [],
};
for (let round = 0; round < 3; round++) {
  for (const [name, target] of Object.entries(contenders) as [keyof typeof contenders, Hono][]) {
    const stats = await measure(async () => do_not_optimize(await target.request(next())));
    rounds[name].push(stats.p50);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[1]!;
const theirCost = median(rounds.theirs) - median(rounds.base);
const ourCost = median(rounds.ours) - median(rounds.base);
console.log(
  `\nan empty middleware alone costs ${((median(rounds.empty) - median(rounds.base)) / 1000).toFixed(2)} µs`,
);
console.log(
  `per-request overhead over bare Hono (median of 3 rounds of p50): @hono/prometheus ${(theirCost / 1000).toFixed(2)} µs, ` +
    `@obs/metrics ${(ourCost / 1000).toFixed(2)} µs → ours/theirs = ${(ourCost / theirCost).toFixed(2)} (target ≤ 0.50)`,
);
