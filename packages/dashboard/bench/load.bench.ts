// Issue 11's page budget: "navigation to fully rendered overview with data (all charts drawn) in
// headless Chromium: ≤ 300 ms on loopback; total transferred assets ≤ 150 kB gzipped". The
// dashboard over real HTTP on 127.0.0.1 (@hono/node-server), fed by a real prom-client registry
// (bench/registry.ts: 10 routes × 3 statuses plus the process metrics) holding 5 minutes of
// history, and still sampling live every 2 s; Debian's Chromium through playwright-core, the token
// put in sessionStorage by an init script (no token form, no 401). Each navigation opens a new
// page and times navigation start to `body[data-ready="overview"]` (set by the last chart's draw)
// on the page's own clock (Navigation Timing: the navigation starts at 0): the verdict. Beside it,
// the same load as the test driver sees it, from `page.goto()` (which adds opening the page and
// the driver's round trips to the browser). Cold: a new browser context each time (empty cache,
// new connection); warm: one context. The server's own refresh cost is refresh.bench.ts's.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { obsDashboard } from '../src/hono/index';
import type { HealthSource } from '../src/index';
import { benchRegistry } from './registry';
import { CHROMIUM, CHROMIUM_LAUNCH } from '../../../scripts/chromium';

const TOKEN = 'bench-token-0123456789abcdef';
const WARMUP = 2;
const RUNS = 15;
const LOAD_TARGET_MS = 300;
const BYTES_TARGET = 150 * 1024;
const INTERVAL_MS = 2000;

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

if (!existsSync(CHROMIUM)) {
  console.log(
    `(chromium not installed at ${CHROMIUM}: the browser load measure was skipped; apt-get install chromium)`,
  );
  process.exit(0);
}

// ---- the server: 5 minutes of history, then live sampling ------------------------------------

const { source, traffic } = benchRegistry();
// The history is filled on a simulated clock ending now (150 samples 2 s apart), then the clock is
// the real one again. The sampler reads the clock through the Date.now it was given at creation,
// so the override stays in place and only its answer changes.
const realNow = Date.now.bind(Date);
let simulated: number | undefined = realNow() - 150 * INTERVAL_MS;
Date.now = () => simulated ?? realNow();

const health: HealthSource = {
  report: () =>
    Promise.resolve({
      status: 'healthy',
      checks: {
        database: { status: 'healthy', latency_ms: 1.3, critical: true },
        cache: { status: 'healthy', latency_ms: 0.4, critical: false },
      },
    }),
};
const dashboard = obsDashboard({
  auth: { bearer: TOKEN },
  metrics: source,
  health,
  intervalMs: INTERVAL_MS,
});
dashboard.close(); // ticks are driven below, with traffic between them
for (let i = 0; i < 150; i++) {
  traffic();
  await dashboard.sample();
  simulated += INTERVAL_MS;
}
simulated = undefined;
const live = setInterval(() => {
  traffic();
  void dashboard.sample();
}, INTERVAL_MS);

const app = new Hono();
app.route('/_obs', dashboard);
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise<void>((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_obs/`;

// ---- the browser --------------------------------------------------------------------------

const problems: string[] = [];
let browser: Browser | undefined;

interface Load {
  /** page.goto() start to body[data-ready="overview"], as the bench sees it. */
  ms: number;
  /** The page's own clock: navigation start to the data-ready mark. */
  inPage: number;
  /** Response bodies as sent (gzip where it was), and the same with the response headers. */
  bodyBytes: number;
  wireBytes: number;
  requests: string[];
  charts: number;
  routes: number;
  /**
   * In-page ms from navigation start: the HTML received, DOMContentLoaded (app.js run),
   * /api/config asked, /api/overview received, body[data-ready="overview"].
   */
  steps: number[];
}

// Both run in every page before its own scripts (as strings: this file is type-checked for Node,
// without the DOM's names). The token, as the token form would keep it; and the moment
// body[data-ready="overview"] appears, on the page's clock (navigation start = 0).
const INIT_SCRIPTS = [
  `sessionStorage.setItem('obs.dashboard.token', ${JSON.stringify(TOKEN)});`,
  `new MutationObserver((_records, observer) => {
    if (document.body.dataset.ready === 'overview') {
      window.__obsReadyAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });`,
];

async function prepare(context: BrowserContext): Promise<void> {
  for (const script of INIT_SCRIPTS) await context.addInitScript(script);
}

async function load(context: BrowserContext): Promise<Load> {
  const page: Page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  // What went over the wire, from Chromium's network stack.
  const cdp = await context.newCDPSession(page);
  const urls = new Map<string, string>();
  const headerBytes = new Map<string, number>();
  let wireBytes = 0;
  let bodyBytes = 0;
  const requests: string[] = [];
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.responseReceived', (e) =>
    headerBytes.set(e.requestId, e.response.encodedDataLength),
  );
  cdp.on('Network.loadingFinished', (e) => {
    const requestUrl = urls.get(e.requestId) ?? '?';
    if (requestUrl.startsWith('data:')) return;
    requests.push(requestUrl.replace(/^http:\/\/[^/]+/, ''));
    wireBytes += e.encodedDataLength;
    bodyBytes += e.encodedDataLength - (headerBytes.get(e.requestId) ?? 0);
  });
  await cdp.send('Network.enable');

  const started = performance.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector('body[data-ready="overview"]', { state: 'attached', timeout: 10_000 });
  const ms = performance.now() - started;
  const [inPage, charts, routes, steps] = await page.evaluate<[number, number, number, number[]]>(`[
    window.__obsReadyAt,
    document.querySelectorAll('[data-testid="chart"]').length,
    document.querySelectorAll('[data-testid="route-row"]').length,
    [
      performance.getEntriesByType('navigation')[0].responseEnd,
      performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
      performance.getEntriesByType('resource').find((r) => r.name.endsWith('/api/config')).startTime,
      performance.getEntriesByType('resource').find((r) => r.name.endsWith('/api/overview')).responseEnd,
      window.__obsReadyAt,
    ],
  ]`);
  await cdp.detach();
  await page.close();
  return { ms, inPage, bodyBytes, wireBytes, requests, charts, routes, steps };
}

async function newContext(b: Browser): Promise<BrowserContext> {
  const context = await b.newContext({ viewport: { width: 1280, height: 900 } });
  await prepare(context);
  return context;
}

try {
  browser = await chromium.launch({
    ...CHROMIUM_LAUNCH,
    timeout: 20_000,
  });

  // Cold: a new context per navigation (empty HTTP cache, new connection).
  const cold: Load[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const context = await newContext(browser);
    const result = await load(context);
    await context.close();
    if (i >= WARMUP) cold.push(result);
  }
  // Warm: one context, a new page per navigation (the assets revalidated by ETag).
  const warm: Load[] = [];
  const context = await newContext(browser);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const result = await load(context);
    if (i >= WARMUP) warm.push(result);
  }
  await context.close();

  const first = cold[0]!;
  const apiBytes = (loads: Load) => loads.requests.filter((r) => r.includes('/api/')).length;
  console.log(
    `overview: ${first.charts} charts, ${first.routes} routes, 5 min of history; ${RUNS} navigations each after ${WARMUP} warm-ups (p95 of ${RUNS} is the slowest)`,
  );
  console.log(
    `${'to body[data-ready="overview"]'.padEnd(36)}${'navigation start (page clock)'.padStart(20)}   ${'page.goto() (driver)'.padStart(20)}\n` +
      `${''.padEnd(36)}${'median'.padStart(10)}${'p95'.padStart(10)}   ${'median'.padStart(10)}${'p95'.padStart(10)}   target ≤ ${LOAD_TARGET_MS} ms`,
  );
  for (const [name, loads] of [
    ['cold cache (new context each)', cold],
    ['warm cache (same context)', warm],
  ] as const) {
    const page = loads.map((l) => l.inPage);
    const driver = loads.map((l) => l.ms);
    const median = percentile(page, 0.5);
    const cell = (xs: number[], p: number) => `${percentile(xs, p).toFixed(0)} ms`.padStart(10);
    console.log(
      `  ${name.padEnd(34)}${cell(page, 0.5)}${cell(page, 0.95)}   ${cell(driver, 0.5)}${cell(driver, 0.95)}   ${verdict(median <= LOAD_TARGET_MS)} (median)`,
    );
  }
  const step = (loads: Load[], i: number) =>
    percentile(
      loads.map((l) => l.steps[i]!),
      0.5,
    ).toFixed(0);
  for (const [name, loads] of [
    ['cold', cold],
    ['warm', warm],
  ] as const)
    console.log(
      `  ${name}, in-page medians from navigation start: HTML ${step(loads, 0)} ms, app.js run (DOMContentLoaded) ${step(loads, 1)} ms, ` +
        `/api/config asked ${step(loads, 2)} ms, /api/overview received ${step(loads, 3)} ms, charts drawn ${step(loads, 4)} ms`,
    );
  const assets = first.requests.filter((r) => !r.includes('/api/'));
  console.log(
    `cold load transferred: ${kB(first.bodyBytes)} of bodies as sent (${kB(first.wireBytes)} with headers), ` +
      `${first.requests.length} requests (${assets.length} assets, ${apiBytes(first)} API) — target ≤ ${kB(BYTES_TARGET)}: ${verdict(first.bodyBytes <= BYTES_TARGET)}`,
  );
  console.log(`  requests: ${first.requests.join(', ')}`);
  if (problems.length > 0) console.log(`page problems:\n  ${[...new Set(problems)].join('\n  ')}`);
} finally {
  await browser?.close();
  clearInterval(live);
  server.close();
}
